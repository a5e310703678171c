"""Offline checks of the Helm chart (run by .ci/helm-check, which prepares the virtualenv).

For each values set: lint (strict), render, validate every manifest against the Kubernetes
JSON schemas (strict: unknown fields fail) of the oldest and newest supported versions, and
assert the hardening the chart promises. Then render values that must be refused and check
that they are. No cluster, no network, no helm binary: Helm runs as a library
(helm-python-sdk) and the schemas ship with kubernetes-validate.
"""

from __future__ import annotations

import copy
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import helm_python as helm
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "ecoute"
TENANTS = ROOT / "tenants"
# The chart's kubeVersion floor and the newest schemas kubernetes-validate ships.
KUBE_VERSIONS = ["1.30.0", "1.37.0"]
RELEASE = "ecoute"
NAMESPACE = "ecoute"

POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"}
# Environment variables that carry credentials: they must come from a Secret.
SECRET_ENV = {"DATABASE_URL", "ECOUTE_APP_DATABASE_URL", "ECOUTE_APP_DB_PASSWORD", "ECOUTE_SMTP_URL"}
CREDENTIAL_IN_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")

failures: list[str] = []


def fail(case: str, message: str) -> None:
    failures.append(f"{case}: {message}")
    print(f"  FAIL {message}")


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def values_file(name: str) -> dict[str, Any]:
    return helm.values_from_yaml((CHART / "ci" / name).read_text())


def tenant_files() -> dict[str, str]:
    """The repository's tenants/ folder, parsed exactly as the documented
    `--set-file 'tenants.files.<name>\\.toml=tenants/<name>.toml'` arguments are."""
    files: dict[str, str] = {}
    for path in sorted(TENANTS.glob("*.toml")):
        parsed = helm.parse_set_file(f"tenants.files.{path.stem}\\.toml={path}")
        files.update(parsed["tenants"]["files"])
    return files


def render(chart_dir: Path, values: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rendered objects (NOTES.txt and empty documents left out) and the merged values."""
    with helm.Chart.load(chart_dir) as chart:
        chart.validate_schema(values)
        merged = chart.merge_values(values)
        rendered = chart.render(values=values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects = []
    for path, text in sorted(rendered.items()):
        if not path.endswith((".yaml", ".yml")):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                doc.setdefault("metadata", {}).setdefault("annotations", {})
                objects.append(doc)
    return objects, merged


def lint(case: str, chart_dir: Path, values: dict[str, Any]) -> None:
    for kube in KUBE_VERSIONS:
        report = helm.lint(chart_dir, values, strict=True, namespace=NAMESPACE, kube_version=f"v{kube}")
        problems = [m for m in report.get("messages", []) if m.get("severity", 0) >= 2]
        for message in problems:
            fail(case, f"lint (kube {kube}): {message['path']}: {message['error']}")
        for error in report.get("errors") or []:
            fail(case, f"lint (kube {kube}): {error}")


def validate(case: str, objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        clean = copy.deepcopy(obj)
        if not clean["metadata"]["annotations"]:
            del clean["metadata"]["annotations"]
        for kube in KUBE_VERSIONS:
            try:
                kubernetes_validate.validate(clean, kube, strict=True)
            except kubernetes_validate.ValidationError as e:
                path = ".".join(str(p) for p in e.path)
                fail(case, f"{name} is not a valid {kube} object: {path}: {e.message}")
            except kubernetes_validate.SchemaNotFoundError as e:
                fail(case, f"{name}: {e.message}")


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    kind = obj["kind"]
    if kind not in POD_KINDS:
        return None
    if kind == "Pod":
        return obj["spec"]
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def component(obj: dict[str, Any]) -> str:
    return obj["metadata"].get("labels", {}).get("app.kubernetes.io/component", "")


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def secret_of(env: dict[str, Any]) -> str | None:
    ref = env.get("valueFrom", {}).get("secretKeyRef")
    return ref["name"] if ref else None


def check_pods(case: str, objects: list[dict[str, Any]]) -> None:
    """Every ecoute pod and container is hardened, and no credential is written in clear."""
    for obj in objects:
        spec = pod_spec(obj)
        if spec is None:
            continue
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        pod_sc = spec.get("securityContext", {})
        if spec.get("automountServiceAccountToken") is not False:
            fail(case, f"{name}: automountServiceAccountToken is not false")
        if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
            fail(case, f"{name}: shares a host namespace")
        if pod_sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            fail(case, f"{name}: pod seccompProfile is not RuntimeDefault")
        for container in spec.get("initContainers", []) + spec.get("containers", []):
            cname = f"{name}[{container['name']}]"
            sc = container.get("securityContext", {})
            if not sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")):
                fail(case, f"{cname}: runAsNonRoot is not true")
            if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
                fail(case, f"{cname}: runs as user 0")
            if sc.get("readOnlyRootFilesystem") is not True:
                fail(case, f"{cname}: readOnlyRootFilesystem is not true")
            if sc.get("allowPrivilegeEscalation") is not False:
                fail(case, f"{cname}: allowPrivilegeEscalation is not false")
            if sc.get("privileged"):
                fail(case, f"{cname}: privileged")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []):
                fail(case, f"{cname}: capabilities do not drop ALL")
            if sc.get("capabilities", {}).get("add"):
                fail(case, f"{cname}: adds capabilities")
            if sc.get("seccompProfile", pod_sc.get("seccompProfile", {})).get("type") != "RuntimeDefault":
                fail(case, f"{cname}: seccompProfile is not RuntimeDefault")
            resources = container.get("resources", {})
            if not resources.get("requests") or not resources.get("limits", {}).get("memory"):
                fail(case, f"{cname}: no resource requests or memory limit")
            for var in container.get("env", []):
                literal = str(var.get("value", ""))
                if var["name"] in SECRET_ENV and "valueFrom" not in var:
                    fail(case, f"{cname}: {var['name']} is not read from a Secret")
                if CREDENTIAL_IN_URL.search(literal) or re.search(r"PASSWORD|TOKEN|SECRET", var["name"]) and literal:
                    fail(case, f"{cname}: {var['name']} carries a credential inline")


def check_objects(case: str, objects: list[dict[str, Any]], values: dict[str, Any]) -> None:
    """What this release must contain, given its values."""
    by_component: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for obj in objects:
        by_component.setdefault((obj["kind"], component(obj)), []).append(obj)

    def one(kind: str, comp: str) -> dict[str, Any] | None:
        found = by_component.get((kind, comp), [])
        return found[0] if len(found) == 1 else None

    owner_secret = values["database"]["owner"]["existingSecret"]
    app_secret = values["database"]["app"]["existingSecret"]

    # No Secret object, and nothing that looks like an inline credential anywhere.
    for obj in objects:
        if obj["kind"] == "Secret":
            fail(case, f"Secret/{obj['metadata']['name']} is rendered: credentials must come from existing Secrets")
    text = yaml.safe_dump_all(objects)
    if CREDENTIAL_IN_URL.search(text):
        fail(case, "a URL with a password is written in the manifests")

    # Web: probes, app role from its own Secret, mail worker only when no worker Deployment.
    web = one("Deployment", "web")
    if web is None:
        fail(case, "no single web Deployment")
    else:
        container = pod_spec(web)["containers"][0]
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            if container.get(probe, {}).get("httpGet", {}).get("path") != path:
                fail(case, f"web: {probe} is not GET {path}")
        env = env_of(container)
        app_env = env.get("ECOUTE_APP_DATABASE_URL") or env.get("ECOUTE_APP_DB_PASSWORD")
        if app_env is None or secret_of(app_env) != app_secret:
            fail(case, f"web: the application role's credentials do not come from Secret {app_secret}")
        if app_secret == owner_secret:
            fail(case, "the owner and the application role share one Secret")
        if values["database"]["app"].get("urlKey") and "DATABASE_URL" in env:
            fail(case, "web: the owner URL reaches a pod that only needs the application role")
        expected_worker = "off" if values["worker"]["enabled"] else "on"
        if env.get("ECOUTE_BACKGROUND_JOBS", {}).get("value") != expected_worker:
            fail(case, f"web: ECOUTE_BACKGROUND_JOBS is not {expected_worker}")
        if values["autoscaling"]["enabled"] and "replicas" in web["spec"]:
            fail(case, "web: replicas is set although the HPA owns it")

    worker = one("Deployment", "worker")
    if values["worker"]["enabled"] != (worker is not None):
        fail(case, "worker Deployment present/absent against worker.enabled")
    if worker is not None:
        env = env_of(pod_spec(worker)["containers"][0])
        app_env = env.get("ECOUTE_APP_DATABASE_URL") or env.get("ECOUTE_APP_DB_PASSWORD")
        if app_env is None or secret_of(app_env) != app_secret:
            fail(case, f"worker: the application role's credentials do not come from Secret {app_secret}")
        if values["database"]["app"].get("urlKey") and "DATABASE_URL" in env:
            fail(case, "worker: the owner URL reaches a pod that only needs the application role")

    # Migrations: a pre-install/pre-upgrade hook, as the owner, without the app credentials.
    migrate = one("Job", "migrate")
    if values["migrations"]["enabled"] != (migrate is not None):
        fail(case, "migrations Job present/absent against migrations.enabled")
    if migrate is not None:
        hooks = set(migrate["metadata"]["annotations"].get("helm.sh/hook", "").split(","))
        if not {"pre-install", "pre-upgrade"} <= hooks:
            fail(case, f"migrations Job is not a pre-install,pre-upgrade hook ({sorted(hooks)})")
        container = pod_spec(migrate)["containers"][0]
        env = env_of(container)
        if container.get("args") != ["migrate"]:
            fail(case, "migrations Job does not run `ecoute migrate`")
        if secret_of(env.get("DATABASE_URL", {})) != owner_secret:
            fail(case, f"migrations Job does not read DATABASE_URL from the owner Secret {owner_secret}")
        if {"ECOUTE_APP_DATABASE_URL", "ECOUTE_APP_DB_PASSWORD"} & env.keys():
            fail(case, "migrations Job carries the application role's credentials")

    sync = one("Job", "tenants-sync")
    if values["tenants"]["sync"]["enabled"] != (sync is not None):
        fail(case, "tenants-sync Job present/absent against tenants.sync.enabled")
    if sync is not None:
        annotations = sync["metadata"]["annotations"]
        hooks = set(annotations.get("helm.sh/hook", "").split(","))
        if not {"post-install", "post-upgrade"} <= hooks:
            fail(case, "tenants-sync Job is not a post-install,post-upgrade hook")
        if migrate is not None and int(annotations.get("helm.sh/hook-weight", 0)) <= int(
            migrate["metadata"]["annotations"].get("helm.sh/hook-weight", 0)
        ):
            fail(case, "tenants-sync does not come after the migrations")
        spec = pod_spec(sync)
        if secret_of(env_of(spec["containers"][0]).get("DATABASE_URL", {})) != owner_secret:
            fail(case, "tenants-sync Job does not read DATABASE_URL from the owner Secret")
        mounted = {v["configMap"]["name"] for v in spec.get("volumes", []) if "configMap" in v}
        wanted = values["tenants"]["existingConfigMap"] or f"{RELEASE}-tenants"
        if mounted != {wanted}:
            fail(case, f"tenants-sync mounts {sorted(mounted)}, not {wanted}")
        if not values["tenants"]["existingConfigMap"]:
            cm = one("ConfigMap", "tenants")
            if cm is None or "catalogue.toml" not in cm.get("data", {}):
                fail(case, "no tenants ConfigMap with catalogue.toml")

    # Autoscaling, disruption budget, network policies, ingress.
    if values["autoscaling"]["enabled"] != (one("HorizontalPodAutoscaler", "web") is not None):
        fail(case, "HPA present/absent against autoscaling.enabled")
    if values["podDisruptionBudget"]["enabled"] != (one("PodDisruptionBudget", "web") is not None):
        fail(case, "PDB present/absent against podDisruptionBudget.enabled")
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    if values["networkPolicy"]["enabled"]:
        check_network_policies(case, policies)
    elif policies:
        fail(case, "NetworkPolicy rendered although networkPolicy.enabled is false")
    check_ingress(case, [o for o in objects if o["kind"] == "Ingress"], values)


def check_network_policies(case: str, policies: list[dict[str, Any]]) -> None:
    web_ingress = [
        p for p in policies
        if "Ingress" in p["spec"]["policyTypes"]
        and p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/component") == "web"
    ]
    if len(web_ingress) != 1 or not all(
        peer.get("namespaceSelector") is not None and peer.get("podSelector") is not None
        for rule in web_ingress[0]["spec"].get("ingress", [])
        for peer in rule.get("from", [])
    ):
        fail(case, "web ingress is not limited to the ingress controller's pods")
    others = [
        p for p in policies
        if "Ingress" in p["spec"]["policyTypes"] and not p["spec"].get("ingress")
        and any(e.get("operator") == "NotIn" and "web" in e.get("values", [])
                for e in p["spec"]["podSelector"].get("matchExpressions", []))
    ]
    if len(others) != 1:
        fail(case, "worker and Job pods are not closed to incoming connections")
    egress = [p for p in policies if "Egress" in p["spec"]["policyTypes"]]
    if len(egress) != 1:
        fail(case, "no single egress policy")
        return
    rules = egress[0]["spec"].get("egress", [])
    ports = {port.get("port") for rule in rules for port in rule.get("ports", [])}
    if 53 not in ports or 5432 not in ports:
        fail(case, f"egress does not allow DNS and PostgreSQL (ports {sorted(map(str, ports))})")
    if any(not rule.get("ports") for rule in rules):
        fail(case, "an egress rule allows every port")


def check_ingress(case: str, ingresses: list[dict[str, Any]], values: dict[str, Any]) -> None:
    if not values["ingress"]["enabled"]:
        if ingresses:
            fail(case, "Ingress rendered although ingress.enabled is false")
        return
    if len(ingresses) != 1:
        fail(case, "no single Ingress")
        return
    spec = ingresses[0]["spec"]
    base = values["baseDomain"]
    hosts = {rule["host"] for rule in spec["rules"]}
    for host in (base, f"*.{base}", *values["ingress"]["extraHosts"]):
        if host not in hosts:
            fail(case, f"Ingress does not route {host}")
    if values["ingress"]["tls"]["enabled"]:
        covered = {h for entry in spec.get("tls", []) for h in entry.get("hosts", [])}
        for host in hosts:
            label, _, parent = host.partition(".")
            if host not in covered and not (label != "*" and f"*.{parent}" in covered):
                fail(case, f"TLS does not cover {host}")
    elif spec.get("tls"):
        fail(case, "TLS entries although ingress.tls.enabled is false")


def run_case(case: str, values: dict[str, Any], chart_dir: Path = CHART) -> None:
    print(f"== {case}")
    lint(case, chart_dir, values)
    try:
        objects, merged = render(chart_dir, values)
    except helm.HelmError as e:
        fail(case, f"does not render: {e}")
        return
    kinds = sorted({f"{o['kind']}" for o in objects})
    print(f"  rendered {len(objects)} objects: {', '.join(kinds)}")
    validate(case, objects)
    check_pods(case, objects)
    check_objects(case, objects, merged)


def expect_refusal(case: str, values: dict[str, Any], needle: str) -> None:
    print(f"== refused: {case}")
    try:
        render(CHART, values)
    except helm.HelmError as e:
        if needle not in str(e):
            fail(case, f"refused, but not for the expected reason ({needle!r}): {e}")
        return
    fail(case, "rendered although it must be refused")


def main() -> int:
    helm.disable_logging()
    tenants = {"tenants": {"files": tenant_files()}}
    if "catalogue.toml" not in tenants["tenants"]["files"]:
        print(f"no catalogue.toml in {TENANTS}", file=sys.stderr)
        return 1

    run_case("defaults", tenants)
    run_case("production", deep_merge(values_file("production-values.yaml"), tenants))
    run_case("minimal", values_file("minimal-values.yaml"))
    run_case("no-hooks", values_file("no-hooks-values.yaml"))

    # The packaging route: tenants/ copied into the chart's files/tenants/, default values.
    with tempfile.TemporaryDirectory() as tmp:
        chart_copy = Path(tmp) / "ecoute"
        shutil.copytree(CHART, chart_copy)
        for path in TENANTS.glob("*.toml"):
            shutil.copy(path, chart_copy / "files" / "tenants" / path.name)
        run_case("files/tenants copied into the chart", {}, chart_copy)
        packaged = helm.package(chart_copy, destination=tmp)
        with helm.Chart.load(packaged) as chart:
            names = {f["name"] for f in chart.files}
        if "files/tenants/catalogue.toml" not in names or any(n.startswith("ci/") for n in names):
            fail("package", f"packaged files are not as intended: {sorted(names)}")

    expect_refusal("no tenant files", {}, "catalogue.toml")
    expect_refusal(
        "application role without credentials",
        deep_merge(tenants, {"database": {"app": {"urlKey": "", "passwordKey": ""}}}),
        "urlKey or passwordKey",
    )
    expect_refusal(
        "cert-manager without an issuer",
        deep_merge(tenants, {"ingress": {"certManager": {"enabled": True}}}),
        "clusterIssuer or issuer",
    )
    expect_refusal(
        "a tenant file not ending in .toml",
        deep_merge(tenants, {"tenants": {"files": {"gironde.txt": "slug = 'x'"}}}),
        "must end in .toml",
    )
    expect_refusal("a misspelt key", deep_merge(tenants, {"web": {"replica": 3}}), "replica")
    expect_refusal(
        "a credential written in values",
        deep_merge(tenants, {"database": {"owner": {"url": "postgres://o:secret@db/ecoute"}}}),
        "url",
    )

    print()
    if failures:
        print(f"helm-check: {len(failures)} failure(s)")
        for failure in failures:
            print(f"  {failure}")
        return 1
    print("helm-check: chart lints, renders, validates and is hardened in every values set")
    return 0


if __name__ == "__main__":
    sys.exit(main())
