"""Replay the attack corpus (scripts/attack_corpus.py) against every command and count what went wrong.

Run: ``python scripts/attacks.py [--family NAME] [--jobs N] [--json FILE] [--list]`` from the repository.
Each attack runs the real ``verified-nn`` command line in a sandbox of its own (a working directory with
a trained model, real MNIST and files the attack plants, and a "victim" directory outside it), in a
child process forked from a runner that has imported the library (or a fresh interpreter where the
attack needs one), under an address-space limit and a clock. Afterwards the sandbox is compared with
its snapshot. The counts are the issue's targets:

- traceback: a Python traceback on standard error;
- silent acceptance: exit status 0 where the attack must be refused;
- data loss: a file the attack must not change was changed or removed (the model, the data, a victim);
- hang or memory: past the clock, or a peak resident size above 1 GiB (of a forked child: its growth over
  the runner's resident size at the fork, plus what a fresh interpreter takes to import the library, since
  the child starts with the runner's pages; of a new interpreter: its own peak, which also counts the
  runner's forked image before ``exec``, an upper bound: the runner is kept small, see ``build_base``);
- write outside: anything created, changed or removed in the victim directory;
- half-written output: an output left neither as it was nor complete (it does not load or parse);
- message: a refusal that is not one line ``verified-nn: error: ...`` naming the file or option.
"""

import argparse
import concurrent.futures
import dataclasses
import hashlib
import importlib
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from attack_corpus import Attack, Base, build_base, corpus

CLOCK = 60.0  # seconds an attack may take (a killed attack is stopped earlier, by its own signal)
_FORKING = threading.Lock()
MEMORY_BLOWUP = 1 << 30  # a peak resident size above this is a memory blow-up
ADDRESS_SPACE = 3 << 30  # the child's address-space limit: a runaway allocation fails instead of taking the machine


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one attack did, and what was wrong with it (empty: nothing)."""

    id: str
    family: str
    status: int | None  # exit status, negative for a signal, None if it had to be stopped
    seconds: float
    peak_bytes: int
    stderr: str
    problems: tuple[str, ...]


def _snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` -> its kind and, for regular files, its SHA-256."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        status = os.lstat(path)
        relative = str(path.relative_to(root))
        if stat.S_ISREG(status.st_mode):
            found[relative] = "file " + hashlib.sha256(path.read_bytes()).hexdigest()
        elif stat.S_ISLNK(status.st_mode):
            found[relative] = "link " + os.readlink(path)
        else:
            found[relative] = f"mode {stat.S_IFMT(status.st_mode):o}"
    return found


def _drain(descriptor: int, into: bytearray) -> threading.Thread:
    """Read a pipe to its end in a thread, keeping at most its last MiB."""

    def read() -> None:
        while chunk := os.read(descriptor, 1 << 16):
            into.extend(chunk)
            del into[: max(0, len(into) - (1 << 20))]
        os.close(descriptor)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def _child(attack: Attack, work: Path, stdout: int, stderr: int) -> None:
    """In the forked child: limits, environment, descriptors, then the command line; never returns."""
    try:
        # A runner started in the background has SIGINT ignored, and a forked child keeps that: a user's
        # Ctrl-C must reach the command as at a terminal.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        if attack.file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (attack.file_size, attack.file_size))
        os.chdir(work)
        os.environ.update(attack.env)
        os.dup2(stdout, 1)
        os.dup2(stderr, 2)
        # New streams on the pipes: the inherited ones were set up for the runner's own (a file, seekable).
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
        from verified_nn.cli import main

        code = main(attack.argv)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    except SystemExit as exit:
        os._exit(exit.code if isinstance(exit.code, int) else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        os._exit(70)


def _fresh(attack: Attack, work: Path, stdout: int, stderr: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The command in a new interpreter (for attacks on what is read when the library is imported)."""
    entry = Path(sys.executable).parent / "verified-nn"
    command = [sys.executable, "-c", attack.argv[1]] if attack.argv[0] == "__python__" else [str(entry), *attack.argv]
    limits = attack.file_size

    def apply() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # as in _child: not ignored because the runner's was
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        if limits is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits, limits))

    environment = {**env, **attack.env}
    return subprocess.Popen(command, cwd=work, stdout=stdout, stderr=stderr, env=environment, preexec_fn=apply)


def _wait(pid: int, attack: Attack, start: float) -> tuple[int | None, int]:
    """Wait for ``pid``, sending the attack's signal at its moment and stopping it at the clock."""
    signalled = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            return code, usage.ru_maxrss * 1024
        elapsed = time.perf_counter() - start
        if attack.kill is not None and not signalled and elapsed >= attack.kill[1]:
            os.kill(pid, attack.kill[0])
            signalled = True
        if elapsed > CLOCK:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return None, usage.ru_maxrss * 1024
        time.sleep(0.01)


def _resident() -> int:
    """This process's resident size now, in bytes."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def fresh_import_bytes() -> int:
    """The peak resident size of a new interpreter that imports what the runner imports (a forked child's
    share of the runner's pages, counted in its peak, is replaced by this)."""
    code = f"import {', '.join(IMPORTS)}, resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout) * 1024


IMPORTS = ("PIL.Image", "verified_nn.cli", "verified_nn.interop", "verified_nn.predict", "verified_nn.training")


def run(attack: Attack, base: Base, scratch: Path, imported: int) -> Outcome:
    """One attack in a fresh sandbox under ``scratch``."""
    sandbox = Path(tempfile.mkdtemp(prefix=f"{attack.id[:40].replace('/', '_')}-", dir=scratch))
    work, victim = sandbox / "work", sandbox / "victim"
    base.populate(work, victim)
    attack.setup(work, victim)
    before = {"work": _snapshot(work), "victim": _snapshot(victim)}
    # Pipes, not files: a file size limit (a full disk) must bind the command's outputs, not its messages.
    (out_read, out_write), (err_read, err_write) = os.pipe(), os.pipe()
    output, errors = bytearray(), bytearray()
    start = time.perf_counter()
    inherited = 0
    with _FORKING:  # no other thread may hold a lock across the fork
        if attack.fresh:
            process = _fresh(attack, work, out_write, err_write, base.environment(work))
            pid = process.pid
        else:
            inherited = _resident() - imported
            pid = os.fork()
            if pid == 0:
                try:
                    os.close(out_read)
                    os.close(err_read)
                    os.environ.clear()
                    os.environ.update(base.environment(work))
                    _child(attack, work, out_write, err_write)
                finally:  # a signal before _child's own handlers: never go on as a second runner
                    os._exit(70)
    os.close(out_write)
    os.close(err_write)
    readers = [_drain(out_read, output), _drain(err_read, errors)]
    status, peak = _wait(pid, attack, start)
    peak = max(peak - inherited, 0)
    seconds = time.perf_counter() - start
    for reader in readers:
        reader.join(10)
    stderr = bytes(errors).decode("utf-8", "backslashreplace")
    after = {"work": _snapshot(work), "victim": _snapshot(victim)}
    problems = _judge(attack, status, peak, stderr, before, after, work)
    shutil.rmtree(sandbox, ignore_errors=True)
    return Outcome(attack.id, attack.family, status, seconds, peak, stderr[-2000:], tuple(problems))


def _judge(
    attack: Attack,
    status: int | None,
    peak: int,
    stderr: str,
    before: dict[str, dict[str, str]],
    after: dict[str, dict[str, str]],
    work: Path,
) -> list[str]:
    problems: list[str] = []
    if "Traceback" in stderr:
        problems.append("traceback")
    if status is None:
        problems.append("hang")
    if peak > MEMORY_BLOWUP:
        problems.append("memory")
    if before["victim"] != after["victim"]:
        problems.append("write outside")
    changed = {path for path in before["work"] if after["work"].get(path) != before["work"][path]}
    if changed & set(attack.protected(before["work"])):
        problems.append("data loss")
    for path in attack.outputs:
        changed_output = path in after["work"] and after["work"][path] != before["work"].get(path)
        if changed_output and not attack.complete(work / path):
            problems.append("half-written")
    # Killed: by the signal itself, or (SIGINT, SIGTERM) ending as the command promises, "interrupted", 130.
    interrupted = status == 130 and (stderr.splitlines() or [""])[-1].startswith("verified-nn: interrupted")
    killed = attack.kill is not None and status is not None and (status < 0 or interrupted)
    if attack.expect == "refuse" and status == 0:
        problems.append("silent acceptance")
    elif attack.expect in ("refuse", "clean") and status not in (None, 0) and not killed:
        # The last line is the error (progress lines of a fetch may come before it); one error, no warnings.
        lines = stderr.splitlines() or [""]
        errors = [line for line in lines if ": error: " in line]
        last = lines[-1]
        one = len(errors) == 1 and last.startswith("verified-nn") and ": error: " in last  # or the parser's
        noise = any("Warning" in line or line.startswith("  File ") for line in lines)
        if not one or noise or (attack.expect == "refuse" and not attack.named(last)):
            problems.append("message")
    elif (
        attack.expect in ("accept", "exit1")
        and status not in (None, 0 if attack.expect == "accept" else 1)
        and not killed
        and "Traceback" not in stderr
    ):
        problems.append("refused what it should accept")
    problems += attack.extra_check(work, before["work"], after["work"], status, stderr)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", action="append", help="only these families (repeatable)")
    parser.add_argument("--match", default=None, help="only attacks whose id contains this")
    parser.add_argument("--jobs", type=int, default=2, help="attacks run at once (default 2)")
    parser.add_argument("--json", type=Path, default=None, help="write every outcome here")
    parser.add_argument("--list", action="store_true", help="list the attacks and exit")
    parser.add_argument("--scratch", type=Path, default=None, help="where sandboxes go (default: a temporary folder)")
    args = parser.parse_args()
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="verified-nn-attacks-"))
    scratch.mkdir(parents=True, exist_ok=True)
    base = build_base(scratch / "base")
    attacks = [a for a in corpus(base) if (not args.family or a.family in args.family) and (args.match or "") in a.id]
    if args.list:
        for attack in attacks:
            print(f"{attack.family:<14} {attack.id}")
        print(f"{len(attacks)} attacks")
        return 0
    # Imported once here, before any thread starts, so that no fork happens while a thread holds the import lock.
    for module in IMPORTS:
        importlib.import_module(module)
    imported = fresh_import_bytes()

    start = time.perf_counter()
    outcomes: list[Outcome] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for outcome in pool.map(lambda attack: run(attack, base, scratch, imported), attacks):
            outcomes.append(outcome)
            if outcome.problems:
                print(f"  {outcome.id}: {', '.join(outcome.problems)} | {outcome.stderr.strip()[-300:]}", flush=True)
    return _report(outcomes, time.perf_counter() - start, args.json)


def _report(outcomes: list[Outcome], seconds: float, target: Path | None) -> int:
    families = Counter(outcome.family for outcome in outcomes)
    counts = Counter(problem for outcome in outcomes for problem in outcome.problems)
    print(f"{len(outcomes)} attacks over {len(families)} families in {seconds:.0f} s:")
    for family, count in sorted(families.items()):
        print(f"  {family:<14} {count:>4}")
    kinds: tuple[str, ...] = ("traceback", "silent acceptance", "data loss", "hang", "memory", "write outside")
    kinds += ("half-written", "message")
    for kind in (*kinds, *sorted(set(counts) - set(kinds))):
        print(f"  {kind:<30} {counts.get(kind, 0)}")
    refusals = [o for o in outcomes if o.status == 2]
    slowest, largest = max(o.seconds for o in outcomes), max(o.peak_bytes for o in outcomes) / 2**20
    print(f"  slowest: {slowest:.1f} s; largest peak: {largest:.0f} MiB")
    print(f"  refusals: {len(refusals)}; accepted or completed: {sum(o.status == 0 for o in outcomes)}")
    if target is not None:
        target.write_text(json.dumps([dataclasses.asdict(o) for o in outcomes], indent=1))
    return 1 if counts else 0


if __name__ == "__main__":
    sys.exit(main())


