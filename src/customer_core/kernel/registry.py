"""The plugin registry: discovers subject-model plugins and refuses, loudly, those that do not fit.

Plugins are found through the `customer_core.plugins` entry-point group, loaded by `load_registry`
at start-up (never at import time), optionally narrowed to the names configuration enables. Every
problem with every plugin is collected before start-up fails, each naming the plugin and the place.

Record hooks are routed: a record's `normalize_record`, `complete_record` and `validate_record`
run only in the plugin that registered its subject model: the plugin's implementation is called
directly, given the arguments it names (a pluggy subset hook caller per call cost as much as the
rules it ran), unless it is a wrapper, which goes through pluggy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from importlib.metadata import entry_points
from typing import Any

import pluggy
from google.protobuf.descriptor import FieldDescriptor, ServiceDescriptor
from google.protobuf.message import Message

from customer_core.authz.masking import valid_rule
from customer_core.authz.roles import ALL_PERMISSIONS, BUILT_IN, Role, with_permissions
from customer_core.errors import FieldViolation, PluginRegistrationError
from customer_core.identifiers import SOURCE_SYSTEM
from customer_core.kernel.completeness import CUSTOMER_TYPES, check_expected
from customer_core.kernel.subject_model import (
    FieldSpec,
    SubjectModel,
    field_rules,
    model_options,
    walk_fields,
)
from customer_core.plugin import _hookspecs
from customer_core.plugin._hookspecs import (
    CustomerView,
    ExpectedAttribute,
    Permission,
    QualityIssue,
    QualityRule,
    Severity,
)
from customer_core.plugin._services import PluginService
from customer_core.v1 import options_pb2

_MODEL_NAME = re.compile(r"[a-z][a-z0-9_]{1,31}")
_RULE_ID = re.compile(r"[A-Z][A-Z0-9_]{0,62}[A-Z0-9]")
_PERMISSION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
_STRING_TYPES = (FieldDescriptor.TYPE_STRING,)
#: The hooks that are called for one record, in the plugin that owns its model only.
RECORD_HOOKS = (
    "normalize_record", "complete_record", "validate_record", "record_expiry", "expire_record",
)  # fmt: skip


class Registry:
    """The loaded plugins, the subject models they registered and what else they declared.

    Attributes:
        roles: the role table: the built-in roles with the plugins' permissions added.
        permissions: every plugin's declared permissions, by name.
        services: the plugins' own gRPC services (`grpc_services`), each with its permissions.
    """

    def __init__(
        self,
        manager: pluggy.PluginManager,
        models: Iterable[SubjectModel],
        rules: Iterable[QualityRule] = (),
        permissions: Iterable[Permission] = (),
        services: Iterable[PluginService] = (),
        expected: Mapping[str, Sequence[ExpectedAttribute]] | None = None,
    ) -> None:
        self.manager = manager
        self.expected = {kind: tuple(found) for kind, found in (expected or {}).items()}
        #: False skips the plugins' normalize, complete and validate hooks (benchmarks only).
        self.quality_rules = True
        self.services = tuple(services)
        self.hook = manager.hook
        self._models = {m.name: m for m in sorted(models, key=lambda m: m.name)}
        self._by_type = {m.message_type: m for m in self._models.values()}
        self._rules = {r.id: r for r in rules}
        self.permissions = {p.name: p for p in sorted(permissions, key=lambda p: p.name)}
        self.roles: dict[str, Role] = with_permissions(
            {p.name: p.roles for p in self.permissions.values()}
        )
        plugins = {name: plugin for name, plugin in manager.list_name_plugin() if name}
        self._routes = {
            (hook, name): _route(manager, hook, name, plugins)
            for hook in RECORD_HOOKS
            for name in plugins
        }

    def service_permissions(self) -> dict[str, str]:
        """`/package.Service/Method` -> the permission it needs, for the plugins' services."""
        return {
            f"/{service.descriptor.full_name}/{method}": permission
            for service in self.services
            for method, permission in service.permissions.items()
        }

    def models(self) -> list[SubjectModel]:
        """Every subject model, by name."""
        return list(self._models.values())

    def get(self, name: str) -> SubjectModel | None:
        """The subject model called `name`, if registered."""
        return self._models.get(name)

    def model_of(self, message: Message) -> SubjectModel | None:
        """The subject model whose message `message` is."""
        return self._by_type.get(message.DESCRIPTOR.full_name)

    def plugins(self) -> list[tuple[str, list[str]]]:
        """Each loaded plugin's name with the hooks it implements."""
        return [
            (name, sorted(h.name for h in self.manager.get_hookcallers(plugin) or []))
            for name, plugin in self.manager.list_name_plugin()
            if name is not None and plugin is not None
        ]

    def rules(self, subject: str) -> list[QualityRule]:
        """The data-quality rules declared for `subject`, by id."""
        return sorted((r for r in self._rules.values() if r.subject == subject), key=lambda r: r.id)

    def rule(self, rule_id: str) -> QualityRule | None:
        """The declared rule with this id."""
        return self._rules.get(rule_id)

    def normalize(self, model: SubjectModel, record: Message) -> list[Any]:
        """Runs the owning plugin's `normalize_record`: the `Fix`es it returned."""
        if not self.quality_rules:
            return []
        results = self._routes["normalize_record", model.plugin](subject=model.name, record=record)
        return [fix for result in results or () for fix in result or ()]

    def complete(self, model: SubjectModel, record: Message, customer: CustomerView) -> list[Any]:
        """Runs the owning plugin's `complete_record`: the `Fix`es it returned."""
        if not self.quality_rules:
            return []
        results = self._routes["complete_record", model.plugin](
            subject=model.name, record=record, customer=customer
        )
        return [fix for result in results or () for fix in result or ()]

    def validate(
        self, model: SubjectModel, record: Message, customer: CustomerView
    ) -> list[FieldViolation | QualityIssue]:
        """What the owning plugin's `validate_record` found."""
        found: list[FieldViolation | QualityIssue] = []
        if not self.quality_rules:
            return found
        for result in self._routes["validate_record", model.plugin](
            subject=model.name, record=record, customer=customer
        ):
            found += list(result or [])
        return found

    def lapsing(self) -> list[SubjectModel]:
        """The models whose plugin says when their records lapse (`record_expiry`)."""
        owners = {
            name
            for name, plugin in self.manager.list_name_plugin()
            if name
            and any(h.name == "record_expiry" for h in self.manager.get_hookcallers(plugin) or [])
        }
        return [m for m in self._models.values() if m.plugin in owners]

    def expiry(self, model: SubjectModel, record: Message) -> date | None:
        """The last day the record holds, by the owning plugin's `record_expiry` (None: it does
        not lapse, or says it holds no longer)."""
        days = self._routes["record_expiry", model.plugin](subject=model.name, record=record)
        return min((d for d in days if d is not None), default=None)

    def expire(self, model: SubjectModel, record: Message) -> None:
        """Runs the owning plugin's `expire_record`."""
        self._routes["expire_record", model.plugin](subject=model.name, record=record)


def _route(
    manager: pluggy.PluginManager, hook: str, name: str, plugins: dict[str, Any]
) -> Callable[..., list[Any]]:
    """A caller of plugin `name`'s implementation of `hook` alone: the list of its result (empty
    when it has none, or it returned None), as a pluggy hook caller answers."""
    impls = [i for i in getattr(manager.hook, hook).get_hookimpls() if i.plugin_name == name]
    if not impls:
        return lambda **_: []
    if len(impls) > 1 or impls[0].hookwrapper or impls[0].wrapper:
        return manager.subset_hook_caller(hook, [p for o, p in plugins.items() if o != name])
    function, argnames = impls[0].function, impls[0].argnames

    def call(**arguments: Any) -> list[Any]:
        result = function(*[arguments[a] for a in argnames])
        return [] if result is None else [result]

    return call


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
        try:
            manager.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            problems.append(f"plugin {name!r}: {exc}")
    problems += _refuse_unknown_hooks(manager)
    models: list[SubjectModel] = []
    # The model names each plugin declares, its faulty models' included (not to add problems).
    declared: dict[str, set[str]] = {}
    for impl in manager.hook.subject_models.get_hookimpls():
        names = declared.setdefault(impl.plugin_name, set())
        for cls in _called(impl, problems) or []:
            if isinstance(cls, type) and issubclass(cls, Message):
                options = model_options(cls)
                names |= {options.name} if options is not None else set()
            model, model_problems = build_model(impl.plugin_name, cls)
            problems += model_problems
            if model is not None:
                models.append(model)
    problems += _duplicates(models)
    problems += _record_hooks_without_models(manager, models)
    rules: list[QualityRule] = []
    for impl in manager.hook.quality_rules.get_hookimpls():
        own = declared.get(impl.plugin_name, set())
        found_rules, rule_problems = check_rules(impl.plugin_name, _called(impl, problems), own)
        rules += found_rules
        problems += rule_problems
    problems += _duplicate_ids("quality rule", [(r.id, r.subject) for r in rules])
    permissions: list[Permission] = []
    for impl in manager.hook.permissions.get_hookimpls():
        owned = {impl.plugin_name, *declared.get(impl.plugin_name, set())}
        found_permissions, permission_problems = check_permissions(
            impl.plugin_name, _called(impl, problems), owned
        )
        permissions += found_permissions
        problems += permission_problems
    problems += _duplicate_ids("permission", [(p.name, "") for p in permissions])
    services: list[PluginService] = []
    known = set(ALL_PERMISSIONS) | {p.name for p in permissions}
    for impl in manager.hook.grpc_services.get_hookimpls():
        found_services, service_problems = check_services(
            impl.plugin_name, _called(impl, problems), known
        )
        services += found_services
        problems += service_problems
    problems += _duplicate_ids("gRPC service", [(s.descriptor.full_name, "") for s in services])
    expected: dict[str, list[ExpectedAttribute]] = {}
    for customer_type in CUSTOMER_TYPES:
        for impl in manager.hook.expected_attributes.get_hookimpls():
            found_attributes, attribute_problems = check_expected(
                impl.plugin_name,
                _called(impl, problems, customer_type=customer_type),
                {m.name: m for m in models if m.plugin == impl.plugin_name},
            )
            expected.setdefault(customer_type, []).extend(found_attributes)
            problems += attribute_problems
    if problems:
        raise PluginRegistrationError(sorted(set(problems), key=problems.index))
    return Registry(manager, models, rules, permissions, services, expected)


def check_services(
    plugin: str, declared: Any, known: set[str]
) -> tuple[list[PluginService], list[str]]:
    """The plugin's gRPC services that fit, and the problems of the others.

    Every method needs a permission, and only a known one (a kernel permission or one some plugin
    declares): a method served without one would be served unguarded. The pipeline serves unary
    and server-streaming methods only.
    """
    where = f"plugin {plugin!r}"
    services, problems = [], []
    for service in declared or []:
        if not isinstance(service, PluginService):
            problems.append(f"{where}: grpc_services() returned {service!r}, not a PluginService")
            continue
        descriptor = service.descriptor
        if not isinstance(descriptor, ServiceDescriptor):
            problems.append(
                f"{where}: service descriptor {descriptor!r} is not a ServiceDescriptor"
            )
            continue
        at = f"{where}, service {descriptor.full_name}"
        found = []
        if descriptor.full_name.split(".", 1)[0] == "customer_core":
            found.append(f"{at}: the package customer_core is the kernel's")
        if not callable(service.add_to_server) or not callable(service.servicer):
            found.append(f"{at}: add_to_server and servicer must be callables")
        methods = {m.name: m for m in descriptor.methods}
        for name, method in methods.items():
            permission = service.permissions.get(name)
            if permission is None:
                found.append(f"{at}: method {name} has no permission")
            elif permission not in known:
                found.append(
                    f"{at}: method {name} needs {permission!r}, which is neither a kernel "
                    "permission nor one a plugin declares"
                )
            if method.client_streaming:
                found.append(f"{at}: method {name} streams requests; only unary and "
                             "server-streaming methods are served")  # fmt: skip
        for name in sorted(set(service.permissions) - set(methods)):
            found.append(f"{at}: permissions name {name!r}, which is not a method of the service")
        problems += found
        if not found:
            services.append(service)
    return services, problems


def _called(impl: Any, problems: list[str], **arguments: Any) -> Any:
    """What a declaration hook returned (given those of `arguments` it names); None (and a
    problem) when it raised."""
    try:
        return impl.function(**{k: v for k, v in arguments.items() if k in impl.argnames})
    except Exception as exc:
        problems.append(f"plugin {impl.plugin_name!r}: {impl.function.__name__}() raised {exc!r}")
        return None


def _refuse_unknown_hooks(manager: pluggy.PluginManager) -> list[str]:
    """One problem per plugin implementing hooks that are not in the contract (each named).

    pluggy's `check_pending` decides (a hookimpl marked `optionalhook` may name a hook no one
    specifies); it raises for the first such plugin, which is unregistered before asking again.
    """
    problems: list[str] = []
    known = ", ".join(n for n in _hookspecs.__dict__ if _is_spec(getattr(_hookspecs, n)))
    while True:
        try:
            manager.check_pending()
            return problems
        except pluggy.PluginValidationError as exc:
            plugin = exc.plugin
            name = manager.get_name(plugin) or repr(plugin)
            unknown = sorted(
                caller.name
                for caller in manager.get_hookcallers(plugin) or []
                if not caller.has_spec()
                and any(not i.optionalhook for i in caller.get_hookimpls() if i.plugin is plugin)
            )
            problems.append(
                f"plugin {name!r}: {', '.join(f'{n}()' for n in unknown)} "
                f"{'is not a customer_core hook' if len(unknown) == 1 else 'are not customer_core hooks'}"
                f" (hooks: {known})"
            )
            manager.unregister(plugin)


def _is_spec(value: Any) -> bool:
    return callable(value) and hasattr(value, f"{_hookspecs.PROJECT}_spec")


def _record_hooks_without_models(
    manager: pluggy.PluginManager, models: list[SubjectModel]
) -> list[str]:
    owners = {m.plugin for m in models}
    problems = []
    for hook in RECORD_HOOKS:
        for impl in getattr(manager.hook, hook).get_hookimpls():
            if impl.plugin_name not in owners:
                problems.append(
                    f"plugin {impl.plugin_name!r}: implements {hook}() but registers no subject "
                    "model; record hooks are called only for the plugin that owns the model"
                )
    return problems


def check_rules(plugin: str, declared: Any, own: set[str]) -> tuple[list[QualityRule], list[str]]:
    """The plugin's quality rules that fit (of its models `own`), and the others' problems."""
    where = f"plugin {plugin!r}"
    rules, problems = [], []
    for rule in declared or []:
        if not isinstance(rule, QualityRule):
            problems.append(f"{where}: quality_rules() returned {rule!r}, not a QualityRule")
            continue
        at = f"{where}, quality rule {rule.id!r}"
        found = []
        if rule.subject not in own:
            found.append(
                f"{at}: subject {rule.subject!r} is not a model of this plugin "
                f"(its models: {', '.join(sorted(own)) or 'none'})"
            )
        if not _RULE_ID.fullmatch(rule.id) or not rule.id.startswith(f"{rule.subject.upper()}_"):
            found.append(
                f"{at}: the id must be UPPER_SNAKE_CASE, at most 64 characters, starting with "
                f"{rule.subject.upper()}_"
            )
        if not isinstance(rule.severity, Severity):
            found.append(f"{at}: severity {rule.severity!r} is not a Severity")
        if not rule.description or len(rule.description) > 300:
            found.append(f"{at}: needs a description of at most 300 characters")
        problems += found
        if not found:
            rules.append(rule)
    return rules, problems


def check_permissions(
    plugin: str, declared: Any, owned: set[str]
) -> tuple[list[Permission], list[str]]:
    """The plugin's permissions that fit, and the problems of the others.

    A permission's name is under the plugin's name or one of its models' (`loyalty.points.adjust`),
    so that no two plugins, nor a later kernel permission, can take the same name.
    """
    where = f"plugin {plugin!r}"
    permissions, problems = [], []
    for permission in declared or []:
        if not isinstance(permission, Permission):
            problems.append(f"{where}: permissions() returned {permission!r}, not a Permission")
            continue
        at = f"{where}, permission {permission.name!r}"
        found = []
        if not _PERMISSION.fullmatch(permission.name) or len(permission.name) > 64:
            found.append(f"{at}: the name must be dotted lower-case words, at most 64 characters")
        elif permission.name.split(".", 1)[0] not in owned:
            found.append(
                f"{at}: the name must start with the plugin's or one of its models' names "
                f"({', '.join(sorted(owned))}) and a dot"
            )
        unknown = sorted(set(permission.roles) - set(BUILT_IN))
        if unknown:
            found.append(
                f"{at}: unknown roles {', '.join(unknown)} (roles: {', '.join(sorted(BUILT_IN))})"
            )
        if not permission.description:
            found.append(f"{at}: needs a description")
        problems += found
        if not found:
            permissions.append(permission)
    return permissions, problems


def _duplicate_ids(kind: str, ids: list[tuple[str, str]]) -> list[str]:
    seen: set[str] = set()
    problems = []
    for name, _ in ids:
        if name in seen:
            problems.append(f"{kind} {name!r} is declared twice")
        seen.add(name)
    return problems


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
    problems += _model_survivorship_problems(where, options)
    specs = []
    for path, fd in walk_fields(cls.DESCRIPTOR):
        spec, field_problems = _field_spec(f"{where}, field {path}", path, fd, options)
        problems += field_problems
        if spec is not None:
            specs.append(spec)
    if problems:
        return None, problems
    return SubjectModel(options.name, cls, plugin, options, tuple(specs)), []


def _field_spec(
    where: str, path: str, fd: FieldDescriptor, model: options_pb2.SubjectModelRules
) -> tuple[FieldSpec | None, list[str]]:
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
    for ref in ("customer_ref", "document_ref"):
        if getattr(rules, ref) and not is_string:
            problems.append(f"{where}: {ref} applies to string fields only")
    if rules.customer_ref and rules.document_ref:
        problems.append(f"{where}: a field is a customer_ref or a document_ref, not both")
    problems += _identification_problems(where, rules, is_string)
    problems += _field_survivorship_problems(where, rules, model)
    pattern = None
    if rules.pattern:
        try:
            pattern = re.compile(rules.pattern)
        except re.error as exc:
            problems.append(f"{where}: pattern {rules.pattern!r} is not a valid expression: {exc}")
    if problems:
        return None, problems
    return FieldSpec(path, fd, rules, pattern), []


def _identification_problems(
    where: str, rules: options_pb2.FieldRules, is_string: bool
) -> list[str]:
    problems = []
    for option, values, enum in (
        ("match_tiers", list(rules.match_tiers), options_pb2.MatchTier),
        ("blocking", list(rules.blocking), options_pb2.Blocking),
    ):
        if not values:
            continue
        if not rules.match_key:
            problems.append(f"{where}: {option} applies to match keys only (match_key: true)")
        if 0 in values:
            problems.append(f"{where}: {option} lists {enum.Name(0)}")
        if len(set(values)) != len(values):
            problems.append(f"{where}: {option} lists a value twice")
    if rules.blocking and not is_string:
        problems.append(f"{where}: blocking applies to string fields only")
    return problems


def _priority_problems(where: str, priority: list[str]) -> list[str]:
    problems = [
        f"{where}: source_priority lists {code[:40]!r}, not a source-system code"
        for code in priority
        if not SOURCE_SYSTEM.fullmatch(code)
    ]
    if len(set(priority)) != len(priority):
        problems.append(f"{where}: source_priority lists a system twice")
    return problems


def _model_survivorship_problems(where: str, model: options_pb2.SubjectModelRules) -> list[str]:
    """The model's list may serve only its fields that choose SOURCE_PRIORITY themselves."""
    problems = _priority_problems(where, list(model.source_priority))
    if model.survivorship == options_pb2.SURVIVORSHIP_SOURCE_PRIORITY and not model.source_priority:
        problems.append(f"{where}: SURVIVORSHIP_SOURCE_PRIORITY needs a source_priority list")
    return problems


def _field_survivorship_problems(
    where: str, rules: options_pb2.FieldRules, model: options_pb2.SubjectModelRules
) -> list[str]:
    problems = _priority_problems(where, list(rules.source_priority))
    strategy = rules.survivorship or model.survivorship
    by_priority = strategy == options_pb2.SURVIVORSHIP_SOURCE_PRIORITY
    if rules.source_priority and not by_priority:
        problems.append(f"{where}: source_priority is read by SURVIVORSHIP_SOURCE_PRIORITY only")
    if (
        rules.survivorship == options_pb2.SURVIVORSHIP_SOURCE_PRIORITY
        and not rules.source_priority
        and not model.source_priority
    ):
        problems.append(
            f"{where}: SURVIVORSHIP_SOURCE_PRIORITY needs a source_priority list "
            "(the field's or the model's)"
        )
    return problems


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
