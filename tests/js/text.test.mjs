// The text helpers of the live client (static/js/live/text.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { carriedLine } from "../../static/js/live/text.js";

const T = { carried_from: "dall’incontro del {date}" };

test("a carried note says the day it was written, in the page's language", () => {
  assert.equal(carriedLine(T, { id: 1, written_on: "2027-01-12" }, "it"), "dall’incontro del 12 gennaio 2027");
  // The day, whatever the reader's time zone: 12 January stays 12 January.
  assert.match(carriedLine(T, { id: 1, written_on: "2027-06-01" }, "it"), /1 giugno 2027$/);
});

test("other notes have no such line", () => {
  assert.equal(carriedLine(T, { id: 2 }, "it"), null);
  assert.equal(carriedLine(T, null, "it"), null);
});

test("an unusable language tag falls back to the ISO date", () => {
  assert.equal(carriedLine(T, { id: 1, written_on: "2027-01-12" }, "not a tag!"), "dall’incontro del 2027-01-12");
});
