"""Who may say what: a real nats-server with ``accord nats-config``'s users and permissions
refuses an agent that publishes as another or reads another's messages; a university
run in 8 departments with permissions on equals the in-memory run (the dismissal seed's
is in ``test_bus_contract``)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import nats
import pytest
import yaml

from accord.app.registry import wire
from accord.model.messages import Envelope
from accord.protocols.messages import ScheduleQuery
from accord.runtime.nats import NatsBus, NatsError, local_server, stream_name
from accord.runtime.nats.auth import Credentials, server_config
from tests.conftest import SEED_EXAMPLE
from tests.test_bus_contract import Caller, Echo, _accord, _essentials, run_on_both

WIRE = wire()
"""Every message kind the registered protocols speak."""

RUN = "perm"
STREAM = stream_name(RUN)
Secured = tuple[str, dict[str, Credentials]]


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    """A server whose users are the director and echoes e0, e1 of run ``perm``."""
    config, creds = server_config(RUN, [Caller("director"), Echo("e0", 0), Echo("e1", 1)],
                                  "director")
    path = tmp_path_factory.mktemp("nats") / "nats.conf"
    path.write_text(config)
    with local_server(config=path) as url:
        yield url, creds


async def _bus(secured: Secured, user: str, **options: float) -> NatsBus:
    url, creds = secured
    return await NatsBus.connect(url, RUN, wire=WIRE, user=user, password=creds[user].password,
                                 stall_timeout=5.0, heartbeat=0.2, **options)


@pytest.mark.parametrize("durable", [False, True])
@pytest.mark.nats
def test_agents_with_permissions_talk_as_themselves(secured, durable):
    """Inboxes, acks, a role broadcast, traces, presence and the end all pass; durable, the
    director creates the run's stream and each agent its own consumer."""
    async def main():
        director = await _bus(secured, "director", durable=durable)
        await director.create_stream()
        echoes = [await _bus(secured, f"e{i}", durable=durable) for i in range(2)]
        caller = Caller("director")
        director.register(caller)
        for i, bus in enumerate(echoes):
            bus.register(Echo(f"e{i}", i))
        serving = [asyncio.ensure_future(b.serve()) for b in echoes]
        try:
            await director.await_agents(["e0", "e1"], 10)

            async def script(c):
                await c.send("role:echo", ScheduleQuery())
                heard = [e.sender for e in await c.until_kept(2)]
                return heard, await c.ask(["e1", "e0"])
            result = await director.run_until(script(caller), caller)
            await director.end_run()
            await asyncio.wait_for(asyncio.gather(*serving), 5)
            modes = {b.durable for b in [director, *echoes]}
            return result, sorted((e.sender, e.recipient) for e in director.trace), modes
        finally:
            for bus in [director, *echoes]:
                await bus.close()
    (heard, answers), trace, modes = asyncio.run(main())
    assert heard == ["e0", "e1"] and answers == [1, 0]
    assert modes == {durable}
    assert trace == [("director", "e0"), ("director", "e1"), ("director", "role:echo"),
                     ("director", "role:echo"), ("e0", "director"), ("e0", "director"),
                     ("e1", "director"), ("e1", "director")]


@pytest.mark.nats
def test_publishing_as_another_agent_is_refused(secured):
    async def main():
        bus = await _bus(secured, "e0")
        bus.register(Echo("e0", 0))
        forged = Envelope(run=RUN, id="e1:1", sender="e1", recipient="director",
                          kind="schedule_query", body=ScheduleQuery(), sent_at=0.0)
        try:
            await bus.publish(forged)
        finally:
            await bus.close()
    with pytest.raises(NatsError, match='(?i)permissions violation for publish to '
                                        f'"accord.{RUN}.agent.director.from.e1"'):
        asyncio.run(asyncio.wait_for(main(), 10))


@pytest.mark.nats
def test_subscribing_to_another_agents_inbox_is_refused(secured, caplog):
    async def main():
        bus = await _bus(secured, "e0")
        bus.register(Echo("e1", 1))  # e0 listening at e1's inbox
        try:
            await bus.serve()
        finally:
            await bus.close()
    with pytest.raises(NatsError, match=r"refused by the NATS server at .*: permissions "
                                        r"violation for"):
        asyncio.run(asyncio.wait_for(main(), 10))
    assert ('permissions violation for subscription to '
            f'"accord.{RUN}.agent.e1.from.*"') in caplog.text.lower()


@pytest.mark.parametrize(("verb", "subject"), [
    ("publish", f"accord.{RUN}.agent.e1.from.e1"),  # as another
    ("publish", "accord.other.agent.e1.from.e0"),  # on another run
    ("publish", f"accord.{RUN}.trace.e1"),  # another's trace
    ("publish", f"accord.{RUN}.end"),  # the director's
    ("publish", f"_INBOX.{RUN}.director.x.y"),  # a forged ack
    ("subscribe", f"accord.{RUN}.agent.e1.from.*"),  # another's inbox
    ("subscribe", f"accord.{RUN}.agent.*.from.director"),  # what the director says
    ("subscribe", f"accord.{RUN}.role.agent.from.*"),  # another role's broadcasts
    ("subscribe", f"accord.{RUN}.trace.*"),  # the director's trace
    ("subscribe", f"_INBOX.{RUN}.director.>"),  # another's acks
    ("subscribe", "accord.>"),
    # JetStream: only its own consumer, on its own inbox; no other way to read a stream
    ("publish", f"$JS.API.CONSUMER.CREATE.{STREAM}.e0.accord.{RUN}.agent.e1.from.*"),
    ("publish", f"$JS.API.CONSUMER.CREATE.{STREAM}.e1.accord.{RUN}.agent.e1.from.*"),
    ("publish", f"$JS.API.CONSUMER.CREATE.{STREAM}.e0"),  # any filter, in the request
    ("publish", f"$JS.API.CONSUMER.CREATE.{STREAM}"),  # an ephemeral one
    ("publish", f"$JS.API.CONSUMER.DURABLE.CREATE.{STREAM}.e0"),
    ("publish", f"$JS.API.CONSUMER.DELETE.{STREAM}.e1"),
    ("publish", f"$JS.API.CONSUMER.MSG.NEXT.{STREAM}.e1"),
    ("publish", f"$JS.API.STREAM.MSG.GET.{STREAM}"),
    ("publish", f"$JS.API.DIRECT.GET.{STREAM}"),
    ("publish", f"$JS.API.STREAM.DELETE.{STREAM}"),  # the director's
    ("publish", f"$JS.API.STREAM.PURGE.{STREAM}"),
    ("publish", f"$JS.ACK.{STREAM}.e1.1.1.1.1.0"),  # another's ack
    ("publish", f"accord.{RUN}.ledger"),  # the director's
    ("subscribe", f"_INBOX.{RUN}.e1.deliver"),  # another's consumer pushes there
])
@pytest.mark.nats
def test_the_server_refuses_what_a_user_may_not(secured, verb, subject):
    """The refusal is an error of nats-py (the connection stays up)."""
    url, creds = secured

    async def main() -> list[Exception]:
        errors: list[Exception] = []

        async def on_error(exc: Exception) -> None:
            errors.append(exc)
        nc = await nats.connect(url, user="e0", password=creds["e0"].password,
                                error_cb=on_error)
        try:
            if verb == "publish":
                await nc.publish(subject, b"{}")
            else:
                await nc.subscribe(subject)
            await nc.flush()
            for _ in range(50):
                if errors:
                    break
                await asyncio.sleep(0.02)
            assert nc.is_connected
        finally:
            await nc.close()
        return errors
    errors = asyncio.run(main())
    what = "Publish" if verb == "publish" else "Subscription"
    assert [str(e).lower() for e in errors] == [
        f'nats: permissions violation for {what.lower()} to "{subject.lower()}"']
    assert isinstance(errors[0], nats.errors.Error)


@pytest.mark.nats
def test_a_consumer_reads_only_the_inbox_its_api_subject_names(secured):
    """The server checks a consumer's filter against the one in the subject that the
    permissions allow: e0 cannot slip another's inbox into the request."""
    url, creds = secured
    allowed = f"$JS.API.CONSUMER.CREATE.{STREAM}.e0.accord.{RUN}.agent.e0.from.*"
    other = f"accord.{RUN}.agent.e1.from.*"

    async def main() -> list[str]:
        director = await _bus(secured, "director", durable=True)
        await director.create_stream()
        nc = await nats.connect(url, user="e0", password=creds["e0"].password,
                                inbox_prefix=f"_INBOX.{RUN}.e0")
        try:
            out = []
            for filters in ({"filter_subject": other}, {"filter_subjects": [other]}, {}):
                config = {"name": "e0", "durable_name": "e0", "ack_policy": "explicit",
                          "deliver_subject": f"_INBOX.{RUN}.e0.deliver"} | filters
                reply = await nc.request(allowed, json.dumps(
                    {"stream_name": STREAM, "config": config}).encode(), timeout=5)
                out.append(json.loads(reply.data)["error"]["description"])
            return out
        finally:
            await nc.close()
            await director.close()
    assert all("subject" in why for why in asyncio.run(main()))


@pytest.mark.nats
@pytest.mark.slow
def test_a_wrong_password_is_one_line(secured):
    url, _ = secured
    with pytest.raises(NatsError, match=f"authorization failed at the NATS server {url}: "
                                        "wrong password for user 'e0'"):
        asyncio.run(NatsBus.connect(url, RUN, wire=WIRE, user="e0", password="guess"))


@pytest.mark.nats
@pytest.mark.slow
def test_nats_config_writes_users_and_credentials(tmp_path):
    conf, creds = tmp_path / "nats.conf", tmp_path / "creds"
    proc = _accord("nats-config", str(SEED_EXAMPLE), "-o", str(conf), "--creds", str(creds))
    assert proc.returncode == 0, proc.stderr
    assert "8 users (director, " in proc.stderr
    files = sorted(p.name for p in creds.iterdir())
    assert len(files) == 8 and "director.json" in files
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in [conf, *creds.iterdir()])
    b1 = Credentials.read(creds / files[0])
    users = {u["user"]: u["password"] for u in _users(conf)}
    assert len(users) == 8 and b1.password not in conf.read_text()  # only its hash
    assert users[b1.user].startswith("$2a$06$")
    assert bcrypt.checkpw(b1.password.encode(), users[b1.user].encode())
    shown = _accord("nats-config", str(SEED_EXAMPLE), "--run", "r1")
    assert '"accord.r1.agent.*.from.director"' in shown.stdout
    with local_server(config=conf) as url:  # the server takes it; any run id works
        async def login() -> None:
            bus = await NatsBus.connect(url, "any-run", wire=WIRE, user=b1.user,
                                        password=b1.password)
            await bus.close()
        asyncio.run(login())
        bad = _accord("agent", str(SEED_EXAMPLE), "--id", "B1", "--nats", url, "--creds",
                      str(conf))
    assert bad.returncode == 2 and "not a credentials file" in bad.stderr


@pytest.mark.nats
@pytest.mark.slow
def test_run_on_a_server_configured_by_nats_config_equals_the_in_memory_run(tmp_path):
    """``accord nats-config`` (any run, JetStream in ``--store-dir``), a ``nats-server`` started
    with it, ``accord run --bus nats://HOST:PORT`` with the agents' credentials: every agent
    its own user, the run durable in that store, the report the in-memory run's. Without
    the credentials the server refuses the run in one line."""
    conf, creds, store = tmp_path / "nats.conf", tmp_path / "creds", tmp_path / "store"
    made = _accord("nats-config", str(SEED_EXAMPLE), "-o", str(conf), "--creds", str(creds),
                   "--store-dir", str(store))
    assert made.returncode == 0, made.stderr
    mem, net = tmp_path / "mem.json", tmp_path / "nats.json"
    short = ["--episodes", "2"]  # of the seed's 5: quicker, and the ledger carries over
    one = _accord("run", str(SEED_EXAMPLE), *short, "--db", str(tmp_path / "m.db"), "--report",
                  str(mem))
    assert one.returncode == 0, one.stderr
    with local_server(config=conf) as url:
        anonymous = _accord("run", str(SEED_EXAMPLE), "--db", str(tmp_path / "a.db"), "--bus", url)
        assert anonymous.returncode == 2, anonymous.stderr
        assert re.fullmatch(f"error: authorization failed at the NATS server {url}: it wants a "
                            "user and password.*\n", anonymous.stderr), anonymous.stderr
        proc = _accord("run", str(SEED_EXAMPLE), *short, "--db", str(tmp_path / "n.db"),
                       "--report", str(net), "--bus", url, "--creds", str(creds))
        no_dir = _accord("run", str(SEED_EXAMPLE), "--bus", url, "--creds", str(tmp_path / "x"))
        assert no_dir.returncode == 2 and "x: no such directory" in no_dir.stderr
    assert proc.returncode == 0, proc.stderr
    assert f"7 agents in their own processes on {url}, each its own user" in proc.stderr
    assert "not durable" not in proc.stderr and "violation" not in proc.stderr.lower()
    assert _essentials(net) == _essentials(mem) and len(_essentials(mem)) == 2
    run_id = json.loads(net.read_text())["run_id"]
    assert (store / "jetstream" / "$G" / "streams" / stream_name(run_id)).is_dir()


def _users(conf: Path) -> list[dict]:
    """The users of a configuration ``nats-config`` wrote (its authorization block is JSON)."""
    text = conf.read_text()
    start = text.index("authorization ") + len("authorization ")
    return json.JSONDecoder().raw_decode(text, start)[0]["users"]


@pytest.mark.slow
def test_nats_config_bad_paths_are_one_line_and_write_nothing(tmp_path):
    """A configuration in a missing directory, credentials where no directory can be, or
    in one that cannot be written to: one line naming the path, exit 2, and no file (or
    directory) of the run left behind."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    readonly = tmp_path / "readonly"
    readonly.mkdir(mode=0o500)
    unwritable = Path("/sys") if os.geteuid() == 0 else readonly  # root writes anywhere else
    conf, new_creds = tmp_path / "nats.conf", tmp_path / "new" / "creds"
    cases = [
        (["-o", str(tmp_path / "missing" / "x.conf"), "--creds", str(new_creds)],
         tmp_path / "missing" / "x.conf"),
        (["-o", str(conf), "--creds", str(blocker / "creds")], blocker / "creds"),
        (["-o", str(conf), "--creds", str(unwritable)], unwritable / "director.json"),
        (["-o", str(tmp_path), "--creds", str(new_creds)], tmp_path),  # a directory
        (["-o", str(conf), "--store-dir", str(blocker)], blocker),
    ]
    for args, named in cases:
        proc = _accord("nats-config", str(SEED_EXAMPLE), *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr.startswith(f"error: {named}: "), proc.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "readonly"], args
        assert list(readonly.iterdir()) == []
    assert "cannot write (No such file or directory)" in _accord(
        "nats-config", str(SEED_EXAMPLE), "-o", str(tmp_path / "missing" / "x.conf")).stderr


def _university(tmp_path: Path) -> Path:
    """comp01 in 8 departments, negotiate synchronized, small solves, two priced rounds and
    one round of changes (rounds are where the buses could differ; more only repeat them),
    no time budget."""
    out = tmp_path / "u8.yaml"
    made = _accord("import", "itc2007", str(SEED_EXAMPLE.parents[1] / "data" / "itc2007" /
                                             "comp01.ctt"), "--departments", "8", "-o", str(out))
    assert made.returncode == 0, made.stderr
    sc = yaml.safe_load(out.read_text())
    options = sc["protocol_options"]["negotiate"]
    del options["time_budget"]
    options |= {"mode": "synchronized", "solve_time_limit": 0.5, "max_rounds": 1,
                "price_rounds": 2}
    sc["episodes"] = 1
    out.write_text(yaml.safe_dump(sc, sort_keys=False))
    return out


@pytest.mark.nats
@pytest.mark.slow
def test_university_in_8_departments_over_nats_equals_the_in_memory_run(tmp_path):
    mem, net, stderr = run_on_both(_university(tmp_path), tmp_path)
    assert "9 agents in their own processes" in stderr  # 8 departments, the authority
    episode = json.loads(mem.read_text())["episodes"][0]
    assert episode["rounds"] + episode["metrics"]["priced_rounds"] > 0
    assert _essentials(net) == _essentials(mem)
