"""The kill switch's state file (sequence numbers, targets, persistence) and its HTTP
endpoint (loopback, bearer token)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderloom.runtime.control_http import ControlServer
from orderloom.runtime.control_state import (
    ControlState,
    InstanceControl,
    read_state,
    write_command,
)


def test_commands_stamp_only_the_targets_they_touch(tmp_path: Path) -> None:
    """kill mm (1), kill account (2), resume arb (3): mm[BTC] is killed as of 2 (account and
    its template); arb as of 3 is still killed by the account; an account resume (4) clears
    every kill, and each instance sees command 4."""
    path = tmp_path / "c" / "p.json"
    assert read_state(path) == ControlState()  # no file: nothing killed
    write_command(path, kill=True, strategy="mm")
    write_command(path, kill=True, flatten=True)
    state = write_command(path, kill=False, strategy="arb")
    assert state.seq == 3
    assert state.for_instance("mm[BTC/USDT@sim]", "mm") == InstanceControl(True, True, 2)
    assert state.for_instance("arb", "arb") == InstanceControl(True, True, 3)
    assert state.for_instance("other", "other") == InstanceControl(True, True, 2)
    state = write_command(path, kill=False)
    assert read_state(path) == state  # persisted as written
    assert state.for_instance("mm[BTC/USDT@sim]", "mm") == InstanceControl(False, False, 4)
    assert json.loads(path.read_text())["strategies"]["mm"] == {
        "killed": False,
        "flatten": False,
        "seq": 4,
    }


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ControlServer]:
    srv = ControlServer(tmp_path / "p.json", "s3cret", frozenset({"mm", "arb"}), "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def _post(srv: ControlServer, path: str, token: str | None) -> tuple[int, dict]:
    host, port = srv.server_address[:2]
    request = urllib.request.Request(f"http://{host}:{port}{path}", method="POST", data=b"")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_http_endpoint_needs_the_token_and_writes_the_control_file(
    server: ControlServer,
) -> None:
    assert server.server_address[0] == "127.0.0.1"
    assert _post(server, "/kill", None)[0] == 401
    assert _post(server, "/kill", "wrong")[0] == 401
    assert not server.control_file.exists()
    assert _post(server, "/kill?strategy=nope", "s3cret") == (400, {"error": "no strategy 'nope'"})
    status, body = _post(server, "/kill?strategy=mm&flatten=1", "s3cret")
    assert (status, body) == (200, {"command": 1, "killed": True, "strategy": "mm"})
    assert read_state(server.control_file).for_instance("mm", "mm") == InstanceControl(
        True, True, 1
    )
    assert _post(server, "/resume", "s3cret")[1]["command"] == 2
    assert not read_state(server.control_file).for_instance("mm", "mm").killed


def test_a_server_without_a_token_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs a token"):
        ControlServer(tmp_path / "p.json", "", frozenset(), "127.0.0.1", 0)


def test_http_account_command_writes_the_account_file(tmp_path: Path) -> None:
    from orderloom.runtime.control_state import account_control_path

    srv = ControlServer(tmp_path / "p.json", "t", frozenset({"mm"}), "127.0.0.1", 0, "desk")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        assert _post(srv, "/kill?account=ops", "t")[0] == 400  # not this pipeline's account
        assert _post(srv, "/kill?account=desk&strategy=mm", "t")[0] == 400
        status, body = _post(srv, "/kill?account=desk&flatten=1", "t")
        assert (status, body) == (200, {"command": 1, "killed": True, "account": "desk"})
    finally:
        srv.shutdown()
        srv.server_close()
    switch = read_state(account_control_path("desk", tmp_path)).account
    assert (switch.killed, switch.flatten, switch.seq) == (True, True, 1)
    assert not (tmp_path / "p.json").exists()


def test_the_control_input_merges_the_three_files(tmp_path: Path) -> None:
    """One poller reads the pipeline's file, the account's shared file and the run's own
    account file: a command in any of them (each numbered on its own) sends the merged state
    to every instance once; a poll with no change sends nothing."""
    from orderloom.runtime.control_source import FeedsDone, _ControlPartition
    from orderloom.runtime.control_state import (
        account_control_path,
        run_control_path,
        write_account_action,
    )

    pipeline = tmp_path / "p.json"
    account = account_control_path("desk", tmp_path)
    run = run_control_path("r1", "desk", tmp_path)
    done = FeedsDone()
    done.built = 1  # a feed still running: keep polling
    part = _ControlPartition(pipeline, (("k-a", "a"), ("k-b", "b")), done, account, run)
    assert part.next_batch() == []  # no file yet
    write_command(account, kill=False)
    [(_, (_, first)), _] = part.next_batch()
    assert not first.for_instance("a", "a").killed
    assert part.next_batch() == []
    write_account_action(run, "kill")  # command 1 of the run's file: new all the same
    items = part.next_batch()
    assert [(key, name) for key, (name, _) in items] == [("k-a", "a"), ("k-b", "b")]
    wanted = items[0][1][1].for_instance("a", "a")
    assert (wanted.killed, wanted.account_seq, wanted.run_seq, wanted.by) == (
        True,
        1,
        1,
        "account",
    )
    write_command(pipeline, kill=True, strategy="b")
    state = part.next_batch()[1][1][1]
    assert (state.seq, state.shared.seq, state.run.seq) == (1, 1, 1)
    assert state.for_instance("b", "b").by == ""  # its own switch kills it too: the kill switch
