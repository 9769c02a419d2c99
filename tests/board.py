"""The room's board rebuilt from events, exactly as docs/protocol.md says a client must.

Used by the real-server protocol client and by tests that check the event log
and the snapshots tell the same story.
"""

from __future__ import annotations


class Board:
    def __init__(self):
        self.notes: dict[int, dict] = {}
        self.clusters: dict[int, dict] = {}
        self.phase: str | None = None
        self.results: dict | None = None
        self.closed_hash: str | None = None
        self.timer: dict | None = None

    def load(self, snapshot: dict) -> None:
        self.notes = {n["id"]: n for n in snapshot["notes"]}
        self.clusters = {c["id"]: c for c in snapshot["clusters"]}
        self.phase = snapshot["session"]["phase"]
        self.results = snapshot.get("results")
        self.closed_hash = snapshot["session"]["snapshot_hash"]
        self.timer = snapshot["session"]["timer"]

    def _set_totals(self, totals: dict | None) -> None:
        for note_id, note in self.notes.items():
            if "votes" in note:
                note["votes"] = None if totals is None else totals["notes"].get(str(note_id), 0)
        for cluster_id, cluster in self.clusters.items():
            cluster["votes"] = None if totals is None else totals["clusters"].get(str(cluster_id), 0)

    def apply(self, event: dict) -> None:
        kind, data = event["type"], event["data"]
        if kind in ("note.created", "note.edited", "note.restored"):
            self.notes[data["note"]["id"]] = dict(data["note"])
        elif kind in ("note.deleted", "note.hidden"):
            self.notes.pop(data["note_id"], None)
        elif kind == "note.merged":
            self.notes[data["note"]["id"]] = dict(data["note"])
            for merged in data["merged"]:
                self.notes.pop(merged, None)
        elif kind == "note.moved":
            self.notes[data["note_id"]]["cluster_id"] = data["cluster_id"]
        elif kind == "notes.revealed":
            for note in data["notes"]:
                self.notes[note["id"]] = dict(note)
        elif kind in ("vote.placed", "vote.withdrawn") and "total" in data:
            if "note_id" in data:
                self.notes[data["note_id"]]["votes"] = data["total"]
            else:
                self.clusters[data["cluster_id"]]["votes"] = data["total"]
        elif kind == "cluster.created":
            self.clusters[data["cluster"]["id"]] = dict(data["cluster"])
            for note_id in data["note_ids"]:
                self.notes[note_id]["cluster_id"] = data["cluster"]["id"]
        elif kind == "cluster.updated":
            self.clusters[data["cluster"]["id"]] = dict(data["cluster"])
        elif kind == "cluster.dissolved":
            self.clusters.pop(data["cluster_id"], None)
            for note in self.notes.values():
                if note.get("cluster_id") == data["cluster_id"]:
                    note["cluster_id"] = None
        elif kind == "phase.changed":
            self.phase = data["phase"]
            self._set_totals(data["totals"])
        elif kind == "results.revealed":
            self.results = data["results"]
            self._set_totals(data["totals"])
        elif kind == "session.closed":
            self.results = data["results"]
            self.closed_hash = data["hash"]
        elif kind == "timer.changed":
            self.timer = data["timer"]

    def view(self) -> dict:
        """Comparable with a snapshot's notes and clusters."""
        return {
            "notes": [self.notes[k] for k in sorted(self.notes)],
            "clusters": [self.clusters[k] for k in sorted(self.clusters)],
        }
