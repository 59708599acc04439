"""Model settings (``jets.model_params.<model>``, ``neutrino.model_params.<model>``,
``spanet.model``, ``neutron_stars.model``)
checked against the model's constructor: names, types and ranges.

The rules follow the constructor's signature, so a new model is covered by annotating its
keywords: ``int`` is an integer (not a boolean) of at least 1, or at least 0 where the
default is 0; ``float`` a finite number, a ``dropout`` in [0, 1); ``bool`` a boolean;
``tuple[int, ...]``/``list[int]`` a non-empty list of such integers; ``str`` a string.
Attention heads (``heads``, ``n_heads``) must divide the width (``d_model``, ``dim``).

The same check runs twice: at ``snakemake -n`` from the sources (``from_source``: the
constructor is read with ``ast``, so the workflow never imports torch) and when a stage
builds the model (``from_class``, in ``attnphys.train.params.construct``).
"""

from __future__ import annotations

import ast
import inspect
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NO_DEFAULT = inspect.Parameter.empty
WIDTHS = ("d_model", "dim")
HEADS = ("heads", "n_heads")


@dataclass(frozen=True)
class Keyword:
    """One constructor keyword: its name, annotation (as written) and default."""

    name: str
    annotation: str
    default: Any = NO_DEFAULT


def from_class(cls: type) -> list[Keyword]:
    """The keywords of ``cls.__init__`` (string annotations, as ``from __future__ import annotations`` keeps)."""
    out = []
    for p in inspect.signature(cls).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        annotation = "" if p.annotation is NO_DEFAULT else (
            p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", str(p.annotation)))
        out.append(Keyword(p.name, annotation, p.default))
    return out


def from_source(module_file: str | Path, class_name: str) -> list[Keyword]:
    """The keywords of ``class_name.__init__`` in ``module_file``, read without importing it."""
    tree = ast.parse(Path(module_file).read_text())
    classes = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            init = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
            if init is None:  # inherited: from the first base defined in the same module, else none
                base = next((b.id for b in node.bases if isinstance(b, ast.Name) and b.id in classes), None)
                return from_source(module_file, base) if base else []
            args = init.args.args[1:] + init.args.kwonlyargs
            defaults = [NO_DEFAULT] * (len(init.args.args) - 1 - len(init.args.defaults)) + list(init.args.defaults)
            defaults += list(init.args.kw_defaults)
            return [Keyword(a.arg, ast.unparse(a.annotation) if a.annotation else "",
                            NO_DEFAULT if d is None or d is NO_DEFAULT else ast.literal_eval(d))
                    for a, d in zip(args, defaults)]
    raise ValueError(f"{module_file}: no class {class_name}")


def registry_from_source(package_init: str | Path, registry: str) -> dict[str, tuple[Path, str]]:
    """``{name: (module file, class name)}`` of a dict literal ``registry = {"name": Class, ...}``
    in ``package_init``, following its ``from X import Class`` lines (a class not imported is
    defined in ``package_init`` itself)."""
    package_init = Path(package_init)
    tree = ast.parse(package_init.read_text())
    src = package_init
    while src.name != "attnphys":
        src = src.parent
    imported = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                imported[alias.asname or alias.name] = node.module
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == registry and isinstance(node.value, ast.Dict):
            out = {}
            for key, value in zip(node.value.keys, node.value.values):
                module = imported.get(value.id)
                file = src.parent.joinpath(*module.split(".")).with_suffix(".py") if module else package_init
                out[ast.literal_eval(key)] = (file, value.id)
            return out
    raise ValueError(f"{package_init}: no dict literal {registry}")


def check_params(params: Any, keywords: list[Keyword], where: str, sizes: tuple[str, ...] = ()) -> None:
    """Refuse ``params`` unless every key is a keyword (not a data size) with a valid value;
    ValueError ``"{where}.{key}: ..."`` (``where`` names the config key or file field)."""
    if not isinstance(params, dict):
        raise ValueError(f"{where}: expected a mapping of constructor keywords, got {params!r}")
    by_name = {k.name: k for k in keywords if k.name not in sizes}
    unknown = sorted(set(params) - set(by_name))
    if unknown:
        from_data = f" ({', '.join(sizes)} follow from the data)" if sizes else ""
        raise ValueError(f"{where}: unknown key(s) {unknown}; allowed {sorted(by_name)}{from_data}")
    for name, value in params.items():
        problem = _problem(by_name[name], value)
        if problem:
            raise ValueError(f"{where}.{name}: {problem}, got {value!r}")
    merged = {k.name: k.default for k in keywords} | dict(params)
    width = next((w for w in WIDTHS if w in merged), None)
    heads = next((h for h in HEADS if h in merged), None)
    if width and heads and isinstance(merged[width], int) and isinstance(merged[heads], int) and merged[heads] > 0 \
            and merged[width] % merged[heads]:
        raise ValueError(f"{where}.{heads}: {merged[heads]} heads do not divide {width} {merged[width]}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _problem(keyword: Keyword, value) -> str | None:
    kind = keyword.annotation.replace(" ", "")
    if not kind and keyword.default is not NO_DEFAULT and keyword.default is not None:
        kind = type(keyword.default).__name__
    smallest = 0 if keyword.default == 0 and not isinstance(keyword.default, bool) else 1
    if kind == "int":
        if not _is_int(value):
            return "expected an integer"
        if value < smallest:
            return f"must be at least {smallest}"
    elif kind == "float":
        if not (_is_int(value) or isinstance(value, float)) or not math.isfinite(value):
            return "expected a finite number"
        if "dropout" in keyword.name and not 0 <= value < 1:
            return "a dropout rate must lie in [0, 1)"
    elif kind == "bool":
        if not isinstance(value, bool):
            return "expected true or false"
    elif kind in ("tuple[int,...]", "list[int]", "Sequence[int]"):
        if not isinstance(value, list | tuple) or not value or not all(_is_int(v) and v >= 1 for v in value):
            return "expected a non-empty list of integers of at least 1"
    elif kind == "str":
        if not isinstance(value, str):
            return "expected a string"
    return None
