"""Bad input on the analytics side gets a clear error naming the problem."""
import json

import pytest

import situ
from situ.contract import array_contract, selects, validate_contract
from situ.session import SituError, read_connection


def test_connection_file_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("SITU_CONNECTION", raising=False)
    with pytest.raises(SituError, match="SITU_CONNECTION"):
        read_connection()
    with pytest.raises(SituError, match="cannot read connection file .*nope.json"):
        read_connection(str(tmp_path / "nope.json"))
    bad = tmp_path / "bad.json"
    bad.write_text('{"token": "ab",\n "scheduler": ')
    with pytest.raises(SituError, match=r"bad.json is not valid JSON \(line 2\)"):
        read_connection(str(bad))
    bad.write_text(json.dumps({"token": "00" * 16, "scheduler": "tcp://x:1"}))
    with pytest.raises(SituError, match="lacks 'workers'"):
        read_connection(str(bad))
    bad.write_text(json.dumps({"token": "zz" * 16, "scheduler": "tcp://x:1", "workers": []}))
    with pytest.raises(ValueError, match="not hexadecimal"):
        read_connection(str(bad))


def test_contract_validation_names_the_array_and_key():
    with pytest.raises(ValueError, match="array 'T'.*'every' must be >= 1"):
        validate_contract({"arrays": {"T": {"every": 0}}})
    with pytest.raises(ValueError, match="array 'T'.*unknown keys \\['evry'\\]"):
        validate_contract({"arrays": {"T": {"evry": 2}}})
    with pytest.raises(ValueError, match="array 'P'.*region dim 1"):
        validate_contract({"arrays": {"P": {"region": [[0, 4], [5, 5]]}}})
    with pytest.raises(ValueError, match="'stop' must be an integer > start"):
        validate_contract({"arrays": {"P": {"start": 4, "stop": 2}}})
    with pytest.raises(ValueError, match="slices need explicit start:stop"):
        array_contract(region=[slice(None, 4)])


def test_step_selection_rule():
    e = array_contract(start=3, stop=20, every=4)
    assert [s for s in range(30) if selects(e, s)] == [3, 7, 11, 15, 19]


def test_session_rejects_bad_steering_and_callbacks(served):
    with situ.Session(connection=served.connection) as s:
        with pytest.raises(Exception, match="steering value for 'k' must be int, float or str"):
            s.set("k", [1, 2])
        with pytest.raises(ValueError, match="window >= 1"):
            s.on_step("T", window=0)


def test_assemble_reports_gaps_and_overlaps(served):
    c = served.client
    info = {"dtype": "f64", "shape": [10],
            "blocks": [[["situ-x", 0, 0], [0], [4]], [["situ-x", 0, 1], [6], [4]]]}
    with pytest.raises(SituError, match="array 'x' step 0: blocks cover 2 of 3 chunks"):
        situ.assemble("x", 0, info, c)
    info["blocks"] = [[["situ-x", 0, 0], [0], [6]], [["situ-x", 0, 1], [4], [6]]]
    with pytest.raises(SituError, match="blocks overlap"):
        situ.assemble("x", 0, info, c)
