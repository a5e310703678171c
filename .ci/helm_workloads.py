"""Runs the real binary with exactly the environment the chart gives each workload.

Not part of .ci/run (it needs a built binary and PostgreSQL's server binaries); run it after a
change to the chart's environment or to the binary's settings:

    cargo build --bin ecoute
    ~/.cache/ecoute/venv-helm/bin/python .ci/helm_workloads.py target/debug/ecoute

It renders the chart (defaults, then the production-like values with the application role's
password instead of its URL), starts a private PostgreSQL that asks for passwords, creates the
owner and the application role as a DBA would, lays the tenant files out as a ConfigMap volume
does (`..data` symlinks), then runs migrate, tenants sync, serve and worker with the rendered
environment (Secret references replaced by local values) and checks the probes, the spaces and
HTTPS behind a trusted proxy, and that nothing is written to the working directory.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import helm_check as hc  # noqa: E402
import helm_python as helm  # noqa: E402

PG_PORT = 55432
WEB_PORT = 18080
OWNER_URL = f"postgres://ecoute_owner:owner-pw@127.0.0.1:{PG_PORT}/ecoute"
APP_URL = f"postgres://ecoute_app:app-pw@127.0.0.1:{PG_PORT}/ecoute"
SECRETS = {
    ("ecoute-database-owner", "database-url"): OWNER_URL,
    ("ecoute-database-app", "app-database-url"): APP_URL,
    ("ecoute-pg-owner", "database-url"): OWNER_URL,
    ("ecoute-pg-app", "password"): "app-pw",
    # Nothing listens there: the worker must start anyway and keep the mail queued.
    ("ecoute-smtp", "smtp-url"): "smtp://127.0.0.1:2525",
}
failures: list[str] = []


def check(condition: bool, message: str) -> None:
    print(("  ok   " if condition else "  FAIL ") + message, flush=True)
    if not condition:
        failures.append(message)


def as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def start_postgres(root: pathlib.Path) -> pathlib.Path:
    data = root / "pg"
    data.mkdir()
    (root / "pw").write_text("super-pw\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        for p in (data, root / "pw"):
            shutil.chown(p, "postgres")
    subprocess.run(as_postgres(["initdb", "--no-sync", "-D", str(data / "data"), "-U", "postgres",
                                "--auth-local=trust", "--auth-host=scram-sha-256",
                                f"--pwfile={root / 'pw'}"]), check=True, capture_output=True)
    subprocess.run(as_postgres(["pg_ctl", "-D", str(data / "data"), "-w", "-l", str(data / "log"), "-o",
                                f"-k {data} -p {PG_PORT} -c listen_addresses=127.0.0.1", "start"]),
                   check=True, capture_output=True)
    return data


def create_roles(data: pathlib.Path) -> None:
    """What the DBA does (docs/operations.md): a non-superuser owner, a confined app role."""
    sql = """
        CREATE ROLE ecoute_owner LOGIN PASSWORD 'owner-pw';
        CREATE DATABASE ecoute OWNER ecoute_owner;
        CREATE ROLE ecoute_app LOGIN PASSWORD 'app-pw' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    """
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(data), "-p", str(PG_PORT), "-U", "postgres"],
                   input=sql, text=True, check=True)


def stop_postgres(data: pathlib.Path) -> None:
    subprocess.run(as_postgres(["pg_ctl", "-D", str(data / "data"), "-m", "fast", "stop"]), capture_output=True)


def configmap_volume(root: pathlib.Path, files: dict[str, str]) -> pathlib.Path:
    """The layout the kubelet gives a ConfigMap volume."""
    mount = root / "tenants"
    version = mount / "..2026_11_22_00_00_00.000000000"
    version.mkdir(parents=True)
    for name, text in files.items():
        (version / name).write_text(text)
        (mount / name).symlink_to(f"..data/{name}")
    (mount / "..data").symlink_to(version.name)
    return mount


def container_env(container: dict) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin"}
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = var["value"]
        else:
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = SECRETS[(ref["name"], ref["key"])]
    return env


def get(host: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(f"http://127.0.0.1:{WEB_PORT}{path}", headers={"Host": host, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}


def run_release(binary: str, case: str, values: dict, root: pathlib.Path) -> None:
    print(f"== {case}", flush=True)
    objects, merged = hc.render(hc.CHART, values)
    containers = {hc.component(o): hc.pod_spec(o)["containers"][0]
                  for o in objects if o["kind"] in ("Deployment", "Job")}
    cm = next(o for o in objects if o["kind"] == "ConfigMap" and hc.component(o) == "tenants")
    mount = configmap_volume(root / case, cm["data"])
    cwd = root / case / "cwd"
    cwd.mkdir()

    def command(component: str, extra: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
        container = containers[component]
        env = container_env(container)
        env.update(extra or {})
        return [binary, *container["args"]], env

    for component, extra in (("migrate", None), ("tenants-sync", {"ECOUTE_TENANTS_DIR": str(mount)})):
        cmd, env = command(component, extra)
        done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
        check(done.returncode == 0, f"{component}: `{' '.join(cmd[1:])}` exits 0 {done.stderr[-500:] if done.returncode else ''}")

    # The pod listens on 0.0.0.0:8080; here, loopback on a free port.
    cmd, env = command("web", {"ECOUTE_LISTEN": f"127.0.0.1:{WEB_PORT}"})
    processes = [subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=open(root / case / "web.log", "w"))]
    if "worker" in containers:
        cmd, env = command("worker")
        processes.append(subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=open(root / case / "worker.log", "w")))
    try:
        for _ in range(60):
            try:
                if get("probe", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        base = merged["baseDomain"]
        check(get("any.host", "/healthz")[0] == 200, "/healthz answers on any host")
        check(get("any.host", "/readyz")[0] == 200, "/readyz answers on any host")
        check(get(base, "/")[0] == 200, f"{base} serves the national space")
        check(get(f"www.{base}", "/")[0] == 200, f"www.{base} serves the national space")
        check(get(f"gironde.{base}", "/")[0] == 200, f"gironde.{base} serves a local space")
        check(get(f"nowhere.{base}", "/")[0] == 404, f"nowhere.{base} is unknown")
        status, headers = get(f"gironde.{base}", "/", {"X-Forwarded-Proto": "https"})
        check(("strict-transport-security" in headers) == bool(merged["trustedProxies"]),
              "HSTS behind a trusted proxy only")
        time.sleep(2)
        check(all(p.poll() is None for p in processes), "web and worker keep running")
        check(not any(cwd.iterdir()), "nothing written to the working directory")
    finally:
        for p in processes:
            p.terminate()
        codes = [p.wait(timeout=60) for p in processes]
        check(codes == [0] * len(processes), f"SIGTERM ends web and worker cleanly ({codes})")


def main() -> int:
    binary = str(pathlib.Path(sys.argv[1]).resolve())
    helm.disable_logging()
    tenants = {"tenants": {"files": hc.tenant_files()}}
    with tempfile.TemporaryDirectory(prefix="ecoute-workloads-") as tmp:
        root = pathlib.Path(tmp)
        os.chmod(root, 0o755)
        data = start_postgres(root)
        try:
            create_roles(data)
            run_release(binary, "defaults", hc.deep_merge(tenants, {"baseDomain": "caf.test"}), root)
            production = hc.deep_merge(hc.values_file("production-values.yaml"), tenants)
            production = hc.deep_merge(production, {
                "baseDomain": "caf.test", "trustedProxies": ["127.0.0.1"], "telemetry": {"otlpEndpoint": ""}})
            run_release(binary, "production", production, root)
        finally:
            stop_postgres(data)
    print(f"\nhelm-workloads: {len(failures)} failure(s)" if failures else "\nhelm-workloads: every workload starts with the chart's environment")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
