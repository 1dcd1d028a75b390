"""The plugin registry: discovers subject-model plugins and refuses, loudly, those that do not fit.

Plugins are found through the `customer_core.plugins` entry-point group, loaded by `load_registry`
at start-up (never at import time), optionally narrowed to the names configuration enables. Every
problem with every plugin is collected before start-up fails, each naming the plugin and the place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from importlib.metadata import entry_points
from typing import Any

import pluggy
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from customer_core.authz.masking import valid_rule
from customer_core.errors import PluginRegistrationError
from customer_core.kernel.subject_model import (
    FieldSpec,
    SubjectModel,
    field_rules,
    model_options,
    walk_fields,
)
from customer_core.plugin import _hookspecs

_MODEL_NAME = re.compile(r"[a-z][a-z0-9_]{1,31}")
_STRING_TYPES = (FieldDescriptor.TYPE_STRING,)


class Registry:
    """The loaded plugins and the subject models they registered."""

    def __init__(self, manager: pluggy.PluginManager, models: Iterable[SubjectModel]) -> None:
        self.manager = manager
        self.hook = manager.hook
        self._models = {m.name: m for m in sorted(models, key=lambda m: m.name)}

    def models(self) -> list[SubjectModel]:
        """Every subject model, by name."""
        return list(self._models.values())

    def get(self, name: str) -> SubjectModel | None:
        """The subject model called `name`, if registered."""
        return self._models.get(name)

    def plugins(self) -> list[tuple[str, list[str]]]:
        """Each loaded plugin's name with the hooks it implements."""
        return [
            (name, sorted(h.name for h in self.manager.get_hookcallers(plugin) or []))
            for name, plugin in self.manager.list_name_plugin()
            if name is not None and plugin is not None
        ]


def new_manager() -> pluggy.PluginManager:
    """A plugin manager that knows the hook specifications of `customer_core.plugin`."""
    manager = pluggy.PluginManager(_hookspecs.PROJECT)
    manager.add_hookspecs(_hookspecs)
    return manager


def discover(enabled: Sequence[str] | None) -> tuple[list[tuple[str, Any]], list[str]]:
    """Loads the installed plugins (all, or those named in `enabled`): ([(name, plugin)], problems)."""
    loaded: list[tuple[str, Any]] = []
    problems: list[str] = []
    found = {ep.name: ep for ep in entry_points(group=_hookspecs.ENTRY_POINT_GROUP)}
    wanted = list(found) if enabled is None else list(enabled)
    for name in wanted:
        ep = found.get(name)
        if ep is None:
            problems.append(
                f"plugin {name!r} is enabled but no {_hookspecs.ENTRY_POINT_GROUP!r} entry point "
                f"provides it (installed: {', '.join(sorted(found)) or 'none'})"
            )
            continue
        try:
            loaded.append((name, ep.load()))
        except Exception as exc:  # a broken plugin must not hide the others' problems
            problems.append(f"plugin {name!r} ({ep.value}) cannot be loaded: {exc!r}")
    return loaded, problems


def load_registry(
    enabled: Sequence[str] | None = None, extra: Sequence[tuple[str, Any]] = ()
) -> Registry:
    """Discovers, registers and checks every plugin; the registry of their subject models.

    Args:
        enabled: names of the plugins to load; None loads every installed one.
        extra: (name, plugin) pairs registered besides the installed ones (tests, embedding).

    Raises:
        PluginRegistrationError: listing every problem found, each naming its plugin.
    """
    plugins, problems = discover(enabled)
    manager = new_manager()
    for name, plugin in [*plugins, *extra]:
        problems += _register(manager, name, plugin)
    models: list[SubjectModel] = []
    for impl in manager.hook.subject_models.get_hookimpls():
        try:
            classes: Any = impl.function()
        except Exception as exc:
            problems.append(f"plugin {impl.plugin_name!r}: subject_models() raised {exc!r}")
            continue
        for cls in classes or []:
            model, model_problems = build_model(impl.plugin_name, cls)
            problems += model_problems
            if model is not None:
                models.append(model)
    problems += _duplicates(models)
    if problems:
        raise PluginRegistrationError(problems)
    return Registry(manager, models)


def _register(manager: pluggy.PluginManager, name: str, plugin: Any) -> list[str]:
    problems = []
    for attr in dir(plugin):
        opts = manager.parse_hookimpl_opts(plugin, attr)
        if opts is not None and not hasattr(_hookspecs, attr):
            known = ", ".join(_hook_names())
            problems.append(
                f"plugin {name!r}: {attr}() is not a customer_core hook (hooks: {known})"
            )
    if problems:
        return problems
    try:
        manager.register(plugin, name=name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        return [f"plugin {name!r}: {exc}"]
    return []


def _hook_names() -> list[str]:
    return sorted(
        n for n in dir(_hookspecs) if hasattr(getattr(_hookspecs, n), "customer_core_spec")
    )


def build_model(plugin: str, cls: Any) -> tuple[SubjectModel | None, list[str]]:
    """A SubjectModel from a plugin's message class, or the problems that prevent it."""
    where = f"plugin {plugin!r}"
    if not (isinstance(cls, type) and issubclass(cls, Message)):
        return None, [f"{where}: subject_models() returned {cls!r}, not a protobuf message class"]
    where += f", message {cls.DESCRIPTOR.full_name}"
    options = model_options(cls)
    if options is None:
        return None, [f"{where}: lacks the (customer_core.v1.subject_model) message option"]
    problems = []
    if not _MODEL_NAME.fullmatch(options.name):
        problems.append(
            f"{where}: subject model name {options.name!r} must match [a-z][a-z0-9_]{{1,31}}"
        )
    if options.schema_version < 1:
        problems.append(f"{where}: schema_version must be 1 or more")
    specs = []
    for path, fd in walk_fields(cls.DESCRIPTOR):
        spec, field_problems = _field_spec(f"{where}, field {path}", path, fd)
        problems += field_problems
        if spec is not None:
            specs.append(spec)
    if problems:
        return None, problems
    return SubjectModel(options.name, cls, plugin, options, tuple(specs)), []


def _field_spec(where: str, path: str, fd: FieldDescriptor) -> tuple[FieldSpec | None, list[str]]:
    rules = field_rules(fd)
    problems = []
    is_string = fd.type in _STRING_TYPES
    if (rules.max_length or rules.pattern) and not is_string:
        problems.append(f"{where}: max_length and pattern apply to string fields only")
    if rules.max_items and not fd.is_repeated:
        problems.append(f"{where}: max_items applies to repeated fields only")
    if rules.sensitive and fd.type not in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES):
        problems.append(f"{where}: only string and bytes fields can be sensitive")
    if rules.mask and not rules.sensitive:
        problems.append(f"{where}: a mask applies to sensitive fields only")
    elif not valid_rule(rules.mask):
        problems.append(f"{where}: mask {rules.mask!r} is not <first>,<last> or email")
    pattern = None
    if rules.pattern:
        try:
            pattern = re.compile(rules.pattern)
        except re.error as exc:
            problems.append(f"{where}: pattern {rules.pattern!r} is not a valid expression: {exc}")
    if problems:
        return None, problems
    return FieldSpec(path, fd, rules, pattern), []


def _duplicates(models: list[SubjectModel]) -> list[str]:
    problems = []
    seen: dict[str, SubjectModel] = {}
    types: dict[str, SubjectModel] = {}
    for model in models:
        if model.name in seen:
            problems.append(
                f"subject model {model.name!r} is registered by both plugin "
                f"{seen[model.name].plugin!r} and plugin {model.plugin!r}"
            )
        elif model.message_type in types:
            problems.append(
                f"message {model.message_type} is registered twice "
                f"(plugins {types[model.message_type].plugin!r} and {model.plugin!r})"
            )
        seen.setdefault(model.name, model)
        types.setdefault(model.message_type, model)
    return problems
