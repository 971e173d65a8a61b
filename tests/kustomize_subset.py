"""Renders a kustomization with the part of kustomize that deploy/k8s uses, in plain Python.

kustomize is not a Debian package (Debian's kubectl 1.20 carries kustomize 2.0, which predates
the syntax used here), so the tests render the overlays with this and, where a kubectl with
kustomize 5 is installed, check that `kubectl kustomize` gives the same resources.

Supported: `resources` (files, and directories holding a kustomization.yaml), `namespace`,
`patches` (strategic merge patches found by kind and name; JSON 6902 patches with a `target`),
`images` (`newName`, `newTag`). Any other field stops the rendering with its name, so the
manifests cannot quietly use more than this renders.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

__all__ = ["KustomizeError", "render"]

Resource = dict[str, Any]

KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "resources", "namespace", "patches", "images"}
PATCH_FIELDS = {"path", "target"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume",
                  "StorageClass", "CustomResourceDefinition", "PriorityClass"}  # fmt: skip
# Lists that a strategic merge patch merges item by item (Kubernetes' patchMergeKey).
MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "volumes": "name",
              "volumeMounts": "mountPath"}  # fmt: skip
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


class KustomizeError(ValueError):
    """The kustomization uses something this renderer does not, or a patch finds no target."""


def render(directory: Path) -> list[Resource]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KUSTOMIZATION_FIELDS
    if unknown:
        raise KustomizeError(f"{directory}: unsupported kustomization fields {sorted(unknown)}")
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        if path.is_dir():
            resources += render(path)
        else:
            resources += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for patch in kustomization.get("patches", []):
        _patch(directory, resources, patch)
    namespace = kustomization.get("namespace")
    if namespace:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource["metadata"]["namespace"] = namespace
    for image in kustomization.get("images", []):
        _set_image(resources, image)
    return resources


def _find(resources: list[Resource], kind: str, name: str) -> int:
    for index, resource in enumerate(resources):
        if resource["kind"] == kind and resource["metadata"]["name"] == name:
            return index
    raise KustomizeError(f"a patch targets {kind}/{name}, which is not among the resources")


def _patch(directory: Path, resources: list[Resource], patch: dict[str, Any]) -> None:
    unknown = set(patch) - PATCH_FIELDS
    if unknown or "path" not in patch:
        raise KustomizeError(f"{directory}: unsupported patch entry {patch}")
    docs = [doc for doc in yaml.safe_load_all((directory / patch["path"]).read_text()) if doc]
    target = patch.get("target")
    if target is not None:
        if set(target) != {"kind", "name"} or len(docs) != 1 or not isinstance(docs[0], list):
            raise KustomizeError(f"{patch['path']}: a target takes one JSON 6902 list of ops")
        index = _find(resources, target["kind"], target["name"])
        for operation in docs[0]:
            _json6902(resources[index], operation)
        return
    for doc in docs:
        index = _find(resources, doc["kind"], doc["metadata"]["name"])
        resources[index] = _merge(resources[index], doc)


def _merge(base: Any, patch: Any) -> Any:
    """Kubernetes' strategic merge: maps merge, null deletes, keyed lists merge by their key."""
    if not (isinstance(base, dict) and isinstance(patch, dict)):
        return copy.deepcopy(patch)
    merged = dict(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif key in merged and key in MERGE_KEYS and isinstance(value, list):
            merged[key] = _merge_list(merged[key], value, MERGE_KEYS[key])
        elif key in merged:
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _merge_list(base: list[Any], patch: list[Any], key: str) -> list[Any]:
    """Items of the patch that are new come first, in the patch's order (as kustomize 5 does)."""
    merged, new = list(base), []
    for item in patch:
        found = [i for i, old in enumerate(merged) if old.get(key) == item.get(key)]
        if found:
            merged[found[0]] = _merge(merged[found[0]], item)
        else:
            new.append(copy.deepcopy(item))
    return new + merged


def _json6902(resource: Resource, operation: dict[str, Any]) -> None:
    op, pointer = operation["op"], operation["path"]
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    parent: Any = resource
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    last = parts[-1]
    if op in ("add", "replace") and isinstance(parent, list):
        value = copy.deepcopy(operation["value"])
        if last == "-":
            parent.append(value)
        elif op == "add":
            parent.insert(int(last), value)
        else:
            parent[int(last)] = value
    elif op in ("add", "replace"):
        if op == "replace" and last not in parent:
            raise KustomizeError(f"replace of a missing {pointer}")
        parent[last] = copy.deepcopy(operation["value"])
    elif op == "remove":
        del parent[int(last) if isinstance(parent, list) else last]
    else:
        raise KustomizeError(f"unsupported JSON patch op {op}")


def _set_image(resources: list[Resource], image: dict[str, str]) -> None:
    for resource in resources:
        if resource["kind"] not in WORKLOADS:
            continue
        spec = resource["spec"]["template"]["spec"]
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            name = container["image"].split("@")[0]
            if ":" in name.rsplit("/", 1)[-1]:
                name = name.rsplit(":", 1)[0]
            if name == image["name"]:
                container["image"] = f"{image.get('newName', name)}:{image['newTag']}"
