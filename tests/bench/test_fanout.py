"""The fan-out benchmark's arithmetic (bench/fanout), pure: no servers, no sockets.

What it prints decides whether a change keeps the performance targets
(docs/performance.md): the median of rounds, which loads a configuration holds, the
ratios to the bare servers, the targets, and which rows run in which order."""

from argparse import Namespace

import pytest

from bench.fanout import plan, report
from bench.fanout.configs import CONFIGS
from bench.fanout.figures import disturbed, gen_saturated, percentile
from bench.fanout.generators import split_clients

BY_NAME = {c.name: c for c in CONFIGS}


def run(config, clients, p99, *, mode="eventlet", layout="split", delivery=100.0, rnd=1, **extra):
    """One run as measure.run_one records it (the figures the summary reads)."""
    row = dict.fromkeys(report.NUMERIC)
    row.update(
        config=config,
        mode=mode,
        clients=clients,
        layout=layout,
        procs=BY_NAME[config].procs,
        round=rnd,
        ok=True,
        p99_ms=p99,
        delivery_pct=delivery,
        gen_saturated=None,
        disturbed=None,
    )
    row.update(extra)
    return row


def one(summary, config, clients, layout="split"):
    [found] = [s for s in summary if (s["config"], s["clients"], s["layout"]) == (config, clients, layout)]
    return found


class TestSummary:
    def test_a_row_is_the_median_of_its_rounds_and_its_worst_delivery(self):
        rows = [
            run("platform-sqlite", 500, p99, delivery=d, rnd=n)
            for n, (p99, d) in enumerate([(10.0, 100.0), (30.0, 99.5), (20.0, 100.0)], 1)
        ]
        s = one(report.summarize(rows), "platform-sqlite", 500)
        assert (s["rounds"], s["rounds_ok"]) == (3, 3)
        assert s["p99_ms"] == 20.0
        assert s["delivery_worst_pct"] == 99.5

    def test_attempts_not_used_are_left_out_and_failed_rounds_are_counted(self):
        rows = [
            run("flask-bare", 200, 999.0, used=False),
            run("flask-bare", 200, 12.0, used=True),
            {**run("flask-bare", 200, None, rnd=2), "ok": False, "error": "RuntimeError: no server"},
        ]
        s = one(report.summarize(rows), "flask-bare", 200)
        assert (s["rounds"], s["rounds_ok"], s["p99_ms"]) == (2, 1, 12.0)
        assert s["errors"] == ["RuntimeError: no server"]

    def test_ratios_are_to_the_bare_servers_at_the_same_load(self):
        rows = [
            run("platform-sqlite", 500, 30.0),
            run("flask-bare", 500, 20.0),
            run("node-bare", 500, 10.0, mode="node"),
            run("flask-bare", 200, 1.0),
            run("platform-pg-redis", 500, 40.0, layout="spread"),
        ]
        summary = report.summarize(rows)
        platform = one(summary, "platform-sqlite", 500)
        assert platform["p99_vs_bare"] == pytest.approx(1.5)
        assert platform["p99_vs_node"] == pytest.approx(3.0)
        assert one(summary, "node-bare", 500)["p99_vs_bare"] is None
        # The spread rows have no bare row of their own: compared with the split one.
        assert one(summary, "platform-pg-redis", 500, "spread")["p99_vs_bare"] == pytest.approx(2.0)

    def test_rows_come_in_the_configurations_order_split_before_spread(self):
        rows = [
            run("node-bare", 200, 1.0, mode="node"),
            run("platform-pg-redis", 200, 1.0, layout="spread"),
            run("flask-bare", 200, 1.0),
            run("platform-pg-redis", 200, 1.0),
            run("platform-sqlite", 500, 1.0),
            run("platform-sqlite", 200, 1.0),
        ]
        order = [(s["config"], s["clients"], s["layout"]) for s in report.summarize(rows)]
        assert order == [
            ("platform-sqlite", 200, "split"),
            ("platform-sqlite", 500, "split"),
            ("platform-pg-redis", 200, "split"),
            ("platform-pg-redis", 200, "spread"),
            ("flask-bare", 200, "split"),
            ("node-bare", 200, "split"),
        ]


class TestHolds:
    def test_capacity_is_the_highest_load_held_with_every_lower_load_held(self):
        rows = [
            run("platform-sqlite", 200, 20.0),
            run("platform-sqlite", 500, 60.0),
            run("platform-sqlite", 1000, report.HOLD_P99_MS + 1),
            run("flask-bare", 200, 5.0, delivery=99.99),
            run("flask-bare", 500, 8.0),
        ]
        caps = report.capacity(report.summarize(rows))
        assert caps[("platform-sqlite", "eventlet", "split")] == 500
        # A message lost at 200 clients: holding 500 does not count.
        assert caps[("flask-bare", "eventlet", "split")] == 0

    def test_failed_acks_or_a_failed_round_do_not_hold(self):
        acks = report.summarize([run("platform-sqlite", 200, 5.0, acks_failed=1)])
        failed = report.summarize([{**run("platform-sqlite", 200, None), "ok": False, "error": "x"}])
        assert not report.holds(acks[0])
        assert not report.holds(failed[0])


class TestTable:
    def test_one_line_per_row_flagged_and_aligned_with_the_header(self):
        rows = [
            run("platform-sqlite", 500, 30.0, gen_saturated="a generator at 95% of a core"),
            run("platform-pg-redis", 500, 40.0, layout="spread", disturbed="steal 20%"),
            run("flask-bare", 500, 20.0),
            {**run("flask-bare", 500, None, rnd=2), "ok": False, "error": "x"},
        ]
        lines = report.table(report.summarize(rows)).split("\n")
        assert lines[0].split()[:3] == ["configuration", "mode", "clients"]
        assert set(lines[1]) == {"-"} and len(lines[1]) == len(lines[0])
        body = lines[2:]
        assert [line.split()[0] for line in body] == ["platform-sqlite", "platform-pg-redis", "flask-bare"]
        assert "[spread]" in body[1]
        assert [line[-1] for line in body] == ["!", "~", "x"]
        # The flag after the last column (a "[spread]" name is wider than its column).
        assert len(body[0]) == len(body[2]) == len(lines[0]) + 1

    def test_the_report_names_the_holds_the_targets_and_the_warnings(self):
        rows = [run("platform-sqlite", 500, 30.0, disturbed="steal 20%"), run("flask-bare", 500, 20.0)]
        summary = report.summarize(rows)
        caps = report.capacity(summary)
        goals, warned = report.targets(summary, caps), report.warnings(summary)
        args = Namespace(rate=20.0, senders=20, duration=15.0, rounds=1)
        text = report.text(args, summary, caps, goals, warned)
        assert "WARNING: platform-sqlite eventlet 500: disturbed from outside (steal 20%)" in text
        assert "  platform-sqlite     eventlet [split] 500" in text
        assert text.split("\n")[-1] == "  " + goals[-1]
        document = report.results(
            started="20260101T000000Z",
            wall_s=12.4,
            command="python bench/run.py",
            args=Namespace(configs=[BY_NAME["flask-bare"]], loads=[500]),
            machine={},
            rows=rows,
            summary=summary,
            caps=caps,
            goals=goals,
            warned=warned,
        )
        assert list(document) == [
            "started",
            "wall_s",
            "command",
            "settings",
            "machine",
            "summary",
            "runs",
            "holds",
            "targets",
            "warnings",
        ]
        assert document["settings"] == {"configs": ["flask-bare"], "loads": [500]}
        assert document["holds"] == [
            {"config": "platform-sqlite", "mode": "eventlet", "layout": "split", "clients": 500},
            {"config": "flask-bare", "mode": "eventlet", "layout": "split", "clients": 500},
        ]


class TestTargets:
    @pytest.mark.parametrize(
        ("p99", "delivery", "verdict"),
        [(12.5, 100.0, "MET"), (12.6, 100.0, "MISSED"), (11.0, 99.9, "MISSED")],
    )
    def test_platform_within_a_quarter_of_bare_at_500_with_nothing_lost(self, p99, delivery, verdict):
        summary = report.summarize(
            [run("platform-sqlite", 500, p99, delivery=delivery), run("flask-bare", 500, 10.0)]
        )
        [line] = [g for g in report.targets(summary, report.capacity(summary)) if "500 clients" in g]
        assert line.startswith(f"[{verdict}]")

    @pytest.mark.parametrize(("two", "verdict"), [(900, "MET"), (850, "MISSED")])
    def test_two_processes_hold_at_least_1_8_times_one(self, two, verdict):
        rows = [run("platform-sqlite", n, 50.0) for n in (200, 500)]
        rows += [run("platform-pg-redis", n, 50.0, layout="spread") for n in (200, 500, two)]
        summary = report.summarize(rows)
        [line] = [g for g in report.targets(summary, report.capacity(summary)) if "scale-out" in g]
        assert line.startswith(f"[{verdict}]") and f"hold {two} clients, one process holds 500" in line


def matrix_args(**overrides):
    args = Namespace(
        configs=list(CONFIGS),
        modes=["eventlet"],
        layout="split",
        loads=[200, 500],
        scale_out=[500],
        rounds=1,
        extra_loads=[1500, 2000],
    )
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


class TestPlan:
    def test_every_configuration_once_per_load_the_order_reversed_every_other_load(self):
        specs = plan.plan(matrix_args())
        at = {
            load: [(s.cfg.name, s.mode, s.layout) for s in specs if s.clients == load] for load in (200, 500)
        }
        assert (
            at[200]
            == [
                ("platform-sqlite", "eventlet", "split"),
                ("platform-pg-redis", "eventlet", "split"),
                ("flask-bare", "eventlet", "split"),
                ("node-bare", "node", "split"),
            ][::-1]
        )
        # The spread layout (one core per process) only at the scale-out loads.
        assert at[500] == [
            ("platform-sqlite", "eventlet", "split"),
            ("platform-pg-redis", "eventlet", "split"),
            ("platform-pg-redis", "eventlet", "spread"),
            ("flask-bare", "eventlet", "split"),
            ("node-bare", "node", "split"),
        ]
        assert [s.clients for s in specs] == [200] * 4 + [500] * 5

    def test_rounds_repeat_the_matrix(self):
        specs = plan.plan(matrix_args(rounds=2, scale_out=[]))
        assert [s.round for s in specs] == [1] * 8 + [2] * 8
        assert specs[0].cfg.name == "node-bare" and specs[8].cfg.name == "platform-sqlite"

    def test_the_hold_search_probes_the_next_load_or_halves_the_interval(self):
        args = matrix_args()
        rows = [
            run("platform-sqlite", 200, 20.0),
            run("platform-sqlite", 500, 40.0),
            run("platform-pg-redis", 200, 20.0, layout="spread"),
            run("platform-pg-redis", 500, 400.0, layout="spread"),
            run("platform-pg-redis", 200, 20.0),
            run("flask-bare", 500, 10.0),
        ]
        probes = {(s.cfg.name, s.layout): s.clients for s in plan.hold_probes(args, rows, 0)}
        # Two processes are searched on a core each only (the scale-out target's row).
        assert probes == {("platform-sqlite", "split"): 1500, ("platform-pg-redis", "spread"): 350}

    def test_the_hold_search_stops_when_the_interval_is_narrow(self):
        rows = [run("platform-sqlite", 500, 40.0), run("platform-sqlite", 550, 400.0)]
        assert plan.hold_probes(matrix_args(configs=[BY_NAME["platform-sqlite"]]), rows, 0) == []


class TestClients:
    @pytest.mark.parametrize(
        ("clients", "gens", "senders", "procs"),
        [(1000, 4, 20, 2), (50, 4, 20, 1), (200, 3, 20, 2), (40, 4, 20, 2)],
    )
    def test_every_sender_once_in_its_block_on_its_server(self, clients, gens, senders, procs):
        bounds, slots = split_clients(clients, gens, senders, procs)
        assert bounds[0] == 0 and bounds[-1] == clients and bounds == sorted(bounds)
        placed = [(s, j, pos) for j, pairs in slots.items() for s, pos in pairs]
        assert sorted(s for s, _, _ in placed) == list(range(senders))
        for s, j, pos in placed:
            assert j == s % gens
            assert 0 <= pos < bounds[j + 1] - bounds[j]
            assert (bounds[j] + pos) % procs == s % procs  # sender s sits on server s % procs
        assert len({(j, pos) for _, j, pos in placed}) == senders


class TestTrust:
    def test_percentiles_of_a_row(self):
        latencies = [float(ms) for ms in range(1, 1001)]
        assert percentile([], 0.99) is None
        assert (percentile(latencies, 0.5), percentile(latencies, 0.99)) == (500.0, 990.0)
        assert percentile(latencies, 1.0) == 1000.0

    def row(self, **figures):
        base = {
            "gen_cpu_pct": [15.0] * 4,
            "gen_cpu_total_pct": 60.0,
            "gen_worst_stall_ms": [10.0, 1.0],
            "background_cpu_pct": 5.0,
            "steal_pct": 0.0,
        }
        return {**base, **figures}

    def test_a_quiet_row_is_trusted(self):
        assert gen_saturated(self.row(), Namespace(gen_cpus=[0])) is None
        assert disturbed(self.row(), Namespace(max_background=25.0)) is None

    def test_generators_at_their_limit_make_the_figures_invalid(self):
        layout = Namespace(gen_cpus=[0])
        assert "a generator at 95%" in gen_saturated(self.row(gen_cpu_pct=[95.0]), layout)
        assert "of their 1 core(s)" in gen_saturated(self.row(gen_cpu_total_pct=86.0), layout)
        assert "busy for 80 ms" in gen_saturated(self.row(gen_worst_stall_ms=[80.0, 60.0]), layout)

    def test_a_row_disturbed_from_outside_is_doubtful(self):
        limits = Namespace(max_background=25.0)
        assert "other processes used 30%" in disturbed(self.row(background_cpu_pct=30.0), limits)
        assert "hypervisor steal 11%" in disturbed(self.row(steal_pct=11.0), limits)
        # A generator that stalled while idle was waiting for its core: someone else had it.
        assert "waited 80 ms" in disturbed(self.row(gen_worst_stall_ms=[80.0, 10.0]), limits)
