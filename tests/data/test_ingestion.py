"""Ingestion: batch files are written and read back as text; bad files are reported per batch."""

import pandas as pd
import pytest

from shipml.data import transactions
from shipml.data.ingestion import (RAW_COLUMNS, REDELIVERY_CONFLICT, BatchError, as_text, ingest_batches, read_batch,
                                   write_daily_batches)

DEFECTS = dict(duplicates=0.02, missing=0.02, wrong_types=0.02, negative_amounts=0.02, late_events=0.02,
               unknown_categories=0.02, mixed_timezones=0.02)


@pytest.fixture(scope="module")
def df_raw():
    return transactions(seed=1, days=2, defects=DEFECTS)


def test_does_a_written_batch_read_back_as_the_same_text(df_raw, tmp_path):
    paths = write_daily_batches(df_raw, tmp_path)
    assert {p.suffix for p in paths} == {".csv", ".jsonl"}
    back = pd.concat([read_batch(p) for p in paths], ignore_index=True)
    assert list(back.columns) == list(RAW_COLUMNS)
    columns = list(RAW_COLUMNS)
    expected = as_text(df_raw).sort_values(columns, ignore_index=True)
    assert back.sort_values(columns, ignore_index=True).equals(expected)  # the same rows, none lost


def test_do_csv_and_json_lines_give_the_same_table(df_raw, tmp_path):
    csv = read_batch(write_daily_batches(df_raw, tmp_path / "c", formats=("csv",))[0])
    jsonl = read_batch(write_daily_batches(df_raw, tmp_path / "j", formats=("jsonl",))[0])
    assert csv.equals(jsonl)


@pytest.mark.parametrize("content, reason", [
    ("", "empty"),
    (",".join(RAW_COLUMNS) + "\n", "no rows"),
    (",".join(RAW_COLUMNS) + "\n" + ",".join(["x"] * 30) + "\n", "not a valid CSV"),
    (",".join((*RAW_COLUMNS, "promo_code")) + "\n" + ",".join(["x"] * 15) + "\n", "unknown column 'promo_code'"),
    (",".join(RAW_COLUMNS[1:]) + "\n" + ",".join(["x"] * 13) + "\n", "'transaction_id' is missing"),
])
def test_is_an_unusable_batch_refused_with_its_name_and_reason(tmp_path, content, reason):
    path = tmp_path / "2026-02-01.csv"
    path.write_text(content)
    with pytest.raises(BatchError, match=reason) as error:
        read_batch(path)
    assert "2026-02-01.csv" in str(error.value)


def test_are_bad_batches_reported_while_the_others_are_ingested(df_raw, tmp_path):
    paths = write_daily_batches(df_raw, tmp_path / "raw")
    alone = ingest_batches(paths)
    (tmp_path / "raw" / "zz-empty.csv").write_text("")
    (tmp_path / "raw" / "zz-broken.jsonl").write_text("{not json\n")
    result = ingest_batches(sorted((tmp_path / "raw").iterdir()), tmp_path / "out")
    report = result.report.set_index("batch")
    assert report.loc["zz-empty.csv", "status"] == "rejected" and "empty" in report.loc["zz-empty.csv", "reason"]
    assert report.loc["zz-broken.jsonl", "status"] == "rejected"
    assert result.clean.equals(alone.clean) and len(result.quarantine) == len(alone.quarantine)
    assert (tmp_path / "raw" / "zz-empty.csv").exists()  # nothing lost
    ok = report[report.status == "ingested"]
    assert (ok.rows_in == ok.rows_out + ok.quarantined + ok.duplicates_removed).all()
    assert len(list((tmp_path / "out" / "clean").glob("*.parquet"))) == len(paths)
    assert pd.read_parquet(tmp_path / "out" / "clean").timestamp.dt.tz is not None


def test_does_ingesting_only_bad_batches_give_empty_tables(tmp_path):
    (tmp_path / "a.csv").write_text("")
    result = ingest_batches([tmp_path / "a.csv"])
    assert len(result.clean) == 0 and len(result.quarantine) == 0 and len(result.report) == 1


def _accepted_rows(path, rows):
    """The first `rows` rows of a batch file that its ingestion accepts, as text."""
    df_text = read_batch(path).drop_duplicates()
    return df_text[df_text.transaction_id.isin(ingest_batches([path]).clean.transaction_id)].head(rows).copy()


def _redelivery(path, folder, rows=30, changed=5):
    """A later file that repeats `rows` accepted rows of `path`, `changed` of them with another amount."""
    again = _accepted_rows(path, rows)
    again.loc[again.index[:changed], "amount"] = "999.99"
    again["ingested_at"] = "2026-01-09T00:00:00+00:00"  # it arrives days later
    target = folder / "2026-01-09.jsonl"
    again.to_json(target, orient="records", lines=True)
    return target


def test_is_a_redelivery_in_a_later_batch_dropped_and_counted(df_raw, tmp_path):
    paths = write_daily_batches(df_raw, tmp_path / "raw")
    alone = ingest_batches(paths)
    later = _redelivery(paths[0], tmp_path / "raw")
    result = ingest_batches([*paths, later])
    last = result.report.set_index("batch").loc[later.name]
    assert (last.rows_in, last.redelivered, last.quarantined, last.rows_out) == (30, 25, 5, 0)
    assert result.clean.equals(alone.clean) and result.clean.transaction_id.is_unique
    conflicts = result.quarantine[result.quarantine.batch == later.name]
    assert (conflicts.reason == REDELIVERY_CONFLICT).all()
    report = result.report
    assert (report.rows_in == report.rows_out + report.quarantined + report.duplicates_removed
            + report.redelivered).all()


def test_does_ingestion_remember_what_an_earlier_run_accepted(df_raw, tmp_path):
    paths = write_daily_batches(df_raw, tmp_path / "raw")
    first = ingest_batches(paths, tmp_path / "out")
    later = ingest_batches([_redelivery(paths[0], tmp_path / "raw")], tmp_path / "out")
    assert later.report.redelivered.tolist() == [25] and len(later.clean) == 0
    rerun = ingest_batches(paths, tmp_path / "out")  # a batch's own outputs are not "earlier"
    assert rerun.clean.equals(first.clean) and rerun.report.redelivered.sum() == 0


def test_is_the_same_transaction_in_another_time_zone_a_redelivery(df_raw, tmp_path):
    paths = write_daily_batches(df_raw, tmp_path / "raw")
    again = _accepted_rows(paths[0], 10)
    stamps = pd.to_datetime(again["timestamp"], utc=True, format="ISO8601").dt.tz_convert("Etc/GMT-1")
    again = again.assign(timestamp=[t.isoformat() for t in stamps])  # the same instants, written at +01:00
    again.to_csv(tmp_path / "raw" / "2026-01-09.csv", index=False)
    result = ingest_batches([*paths, tmp_path / "raw" / "2026-01-09.csv"])
    assert result.report.redelivered.iloc[-1] == 10


def test_is_a_naive_timestamp_in_a_batch_file_quarantined(df_raw, tmp_path):
    path = write_daily_batches(df_raw, tmp_path / "raw", formats=("csv",))[0]
    df_text = read_batch(path)
    df_text.loc[0, "timestamp"] = "2026-01-01T08:00:00"
    df_text.to_csv(path, index=False)
    result = ingest_batches([path])
    naive = result.quarantine[result.quarantine.transaction_id == df_text.transaction_id[0]]
    assert naive.reason.str.contains("no UTC offset").all() and len(naive) == 1
