"""The shipped Slurm scripts against Slurm itself: a one-node cluster started here, from Debian's packages.

The cluster lives in a temporary folder (its own munge key and socket, its own
ports, no cgroups, no accounting) and every daemon it starts is stopped by its
PID. Skipped, with the reason, where the daemons are not installed or cannot
run as root; `.ci/run` installs them.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import invoke

from lstm_echo.results import merging as merge
from lstm_echo.results.results_file import key

pytestmark = pytest.mark.slurm
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "slurm"
DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo")
WAIT = 300  # seconds for a queue to drain: four tiny shards take about 40 s here


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def slurm_conf(folder: Path, host: str) -> str:
    return f"""ClusterName=lstmecho
SlurmctldHost={host}
AuthType=auth/munge
AuthInfo=socket={folder}/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd.pid
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmctldLogFile={folder}/slurmctld.log
SlurmdLogFile={folder}/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SlurmdParameters=config_overrides
NodeName={host} CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    missing = [name for name in DAEMONS if shutil.which(name) is None]
    if missing:
        pytest.skip(
            f"Slurm is not installed ({', '.join(missing)}): apt-get install slurmctld slurmd slurm-client munge"
        )
    if os.geteuid() != 0:
        pytest.skip("slurmd must run as root to start jobs")
    folder = tmp_path_factory.mktemp("slurm")
    for name in ("state", "spool", "munge"):
        (folder / name).mkdir(mode=0o700)
    key = folder / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    conf = folder / "slurm.conf"
    conf.write_text(slurm_conf(folder, socket.gethostname().split(".")[0]))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    munge = folder / "munge"
    started = [
        ["munged", "--foreground", "--force", f"--key-file={key}", f"--socket={munge}/munge.socket"]
        + [f"--pid-file={munge}/munged.pid", f"--log-file={munge}/munged.log", f"--seed-file={munge}/munge.seed"],
        ["slurmctld", "-D", "-i", "-f", str(conf)],
        ["slurmd", "-D", "-f", str(conf)],
    ]
    processes = []
    try:
        for command in started:
            processes.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(1)
        deadline = time.monotonic() + 30
        while "idle" not in run(["sinfo", "-h", "-o", "%T"], env).stdout:
            if time.monotonic() > deadline:
                pytest.skip(f"the one-node cluster did not come up: {(folder / 'slurmctld.log').read_text()[-300:]}")
            time.sleep(0.5)
        yield env
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


def run(command: list[str], env: dict, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def drained(env: dict) -> None:
    """Wait until the queue is empty."""
    deadline = time.monotonic() + WAIT
    while run(["squeue", "-h"], env).stdout.strip():
        assert time.monotonic() < deadline, run(["squeue"], env).stdout
        time.sleep(1)


@pytest.mark.timeout(1200)  # three queues to drain, each allowed WAIT
def test_the_shipped_job_array_names_a_cancelled_shard_and_its_resubmit_fills_it(cluster, tmp_path):
    for name in ("sweep.sh", "submit.sh"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    (tmp_path / ".venv").symlink_to(sys.prefix)  # the environment these tests run in, where sweep.sh looks
    env = {**cluster, "THROTTLE": "1"}  # one task at a time, so the last is still pending when cancelled
    submitted = run([str(tmp_path / "submit.sh")], env, cwd=tmp_path)
    assert submitted.returncode == 0, submitted.stderr
    array = submitted.stdout.split("array job ")[1].split()[0]
    assert run(["scancel", f"{array}_3"], env).returncode == 0
    drained(env)

    merge_log = next((tmp_path / "logs").glob("lstm-echo-merge-*.out")).read_text()
    assert "Incomplete: 1 shard of 4 misses" in merge_log and "(shard 3)" in merge_log, merge_log
    status = run([sys.executable, "-m", "lstm_echo", "status", "runs.jsonl"], env, cwd=tmp_path)
    assert status.returncode == 3

    resubmit = next(line.split("#")[0].split() for line in merge_log.splitlines() if "sbatch --array=" in line)
    assert resubmit == ["sbatch", "--array=3", "sweep.sh"]
    assert run(resubmit, env, cwd=tmp_path).returncode == 0
    drained(env)
    shard_0 = (tmp_path / "runs.d" / "0-of-4.jsonl").read_bytes()
    assert run(["scontrol", "requeue", f"{array}_0"], env).returncode == 0  # as a node failure would
    # Slurm holds a requeued job back (its BeginTime, about two minutes here): start it now instead
    assert run(["scontrol", "update", f"JobId={array}_0", "StartTime=now"], env).returncode == 0
    drained(env)
    log_0 = (tmp_path / "logs" / f"lstm-echo-sweep-{array}_0.out").read_text()
    assert "shard 0 of 4, attempt 1," in log_0 and "shard 0 of 4, attempt 2," in log_0, log_0  # appended
    assert (tmp_path / "runs.d" / "0-of-4.jsonl").read_bytes() == shard_0  # complete: resumed, nothing added
    shards = sorted(str(p) for p in (tmp_path / "runs.d").glob("*-of-4.jsonl"))
    merged = run([sys.executable, "-m", "lstm_echo", "merge", *shards, "--into", "runs.jsonl"], env, cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr

    grid = next(line for line in (tmp_path / "sweep.sh").read_text().splitlines() if line.startswith("GRID=("))
    single = tmp_path / "single.jsonl"
    assert invoke("sweep", *grid[len("GRID=(") : -1].split(), "-q", "--out", single).exit_code == 0
    by_key = {}
    for path in (tmp_path / "runs.jsonl", single):
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        by_key[path.name] = {merge.digest(key(row)): merge.results(row) for row in rows}
    assert by_key["runs.jsonl"] == by_key["single.jsonl"] and len(by_key["single.jsonl"]) == 8
