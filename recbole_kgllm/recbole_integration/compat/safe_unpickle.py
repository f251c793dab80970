"""A restricted unpickler for RecBole checkpoints: loading one never runs code from the file.

A RecBole checkpoint (``Trainer._save_checkpoint``) is a ``torch.save`` zip whose pickle holds
tensors plus RecBole's ``Config`` object (with enums, ``torch.device``, numpy scalars, the
model class and the YAML loader class as values) and, for some models, ``other_parameter``
(scipy sparse matrices, numpy arrays). torch's ``weights_only=True`` unpickler cannot read it:
RecBole saves with ``pickle_protocol=4`` and torch 2.13's weights-only unpickler rejects
protocol 4's FRAME opcode ("Unsupported operand 149") before any global is looked at.

So this module gives ``torch.load(..., weights_only=False, pickle_module=RESTRICTED_PICKLE)`` an
unpickler (Python's own, subclassed) that enforces an explicit allow-list:

* **calls**: the only globals a pickle may *call* (``REDUCE``): torch's own weights-only
  allow-list (tensor rebuild functions, dtypes, ``torch.device``, ``OrderedDict``...), numpy's
  array/scalar/dtype reconstruction, RecBole's enums, a few builtins (``set``, ``frozenset``,
  ``complex``, ``slice``) and ``pathlib`` paths;
* **empty instances**: RecBole's ``Config`` (and ``KGLLMConfig``) and scipy's sparse matrix
  classes may only be created empty (``NEWOBJ``, i.e. ``cls.__new__(cls)``) and filled with
  their saved attributes; calling ``Config(...)`` would parse and ``eval`` settings, so it is
  refused;
* **values only**: model classes (RecBole's, or a registered plugin model) and PyYAML loader
  classes may appear as *values* (``config.model_class``, ``config.yaml_loader``) but are never
  called;
* ``BUILD`` (``__setstate__`` / ``__dict__`` update) only on instances of the allowed data
  types, never on a class, function or module;
* no class or function the allow-list does not let a pickle call may travel as an argument of
  an allowed call or in an object's state (torch's ``_rebuild_from_type_v2(func, ...)`` calls its
  ``func``, a tensor's backward hooks are called by autograd), except a ``Config``'s values;
* copyreg extension codes and protocol-0/1 instantiation opcodes (``INST``, ``OBJ``) are refused.

The lists live in :mod:`.allow_list`. Anything else raises :class:`RefusedGlobal` naming the global; the callers turn it into one
line naming the type and the file (:mod:`.checkpoint`). Modules are imported only for allowed
names, so a refused name is never imported either.
"""
from __future__ import annotations

import enum
import functools
import io
import pickle
import types
from typing import Any

from recbole_kgllm.recbole_integration.compat.allow_list import (
    allowed_call_names,
    model_class,
    static_calls,
    static_new_only,
    static_values,
)

__all__ = ["RESTRICTED_PICKLE", "RefusedGlobal", "RestrictedUnpickler", "allowed_call_names", "restricted_loads"]


class RefusedGlobal(pickle.UnpicklingError):
    """The pickle needs something outside the allow-list.

    Attributes:
        name: ``module.qualname`` of the refused global (or a description of the operation).
        action: what the pickle wanted to do with it (``import``, ``call``, ``build``...).
    """

    def __init__(self, name: str, action: str) -> None:
        self.name, self.action = name, action
        super().__init__(f"{action} of '{name}' is not allowed")


@functools.lru_cache(maxsize=1)
def _call_ids() -> frozenset[int]:
    return frozenset(id(obj) for obj in static_calls().values())


@functools.lru_cache(maxsize=1)
def _new_ids() -> frozenset[int]:
    classes = [*static_calls().values(), *static_new_only().values()]
    return frozenset(id(obj) for obj in classes if isinstance(obj, type))


@functools.lru_cache(maxsize=1)
def _data_types() -> tuple[type, ...]:
    import torch

    classes = [*static_calls().values(), *static_new_only().values()]
    return (torch.Tensor, *{obj for obj in classes if isinstance(obj, type) and not issubclass(obj, enum.Enum)})


_CODE = (type, types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.BuiltinMethodType, functools.partial)


def _scan(obj: Any, allowed: frozenset[int] | set[int], action: str, depth: int = 0) -> None:
    """Refuse a class or function inside ``obj`` (arguments or state, containers searched a few
    levels deep) that the allow-list does not let a pickle call: an allowed callable such as
    torch's ``_rebuild_from_type_v2(func, ...)`` or a tensor's backward hooks would call it."""
    if isinstance(obj, _CODE):
        if id(obj) not in allowed:
            raise RefusedGlobal(f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}", action)
        return
    if depth >= 4:
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            _scan(key, allowed, action, depth + 1)
            _scan(value, allowed, action, depth + 1)
    elif isinstance(obj, (tuple, list, set, frozenset)):
        for item in obj:
            _scan(item, allowed, action, depth + 1)


def _is_config(inst: Any) -> bool:
    config = static_new_only().get("recbole.config.configurator.Config")
    return config is not None and isinstance(inst, config)


def _buildable(inst: Any) -> bool:
    """Whether ``BUILD`` may set state on ``inst``: an instance (never a class, function or
    module) of a type the allow-list lets a pickle create."""
    if isinstance(inst, (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType)):
        return False
    return isinstance(inst, _data_types())


class RestrictedUnpickler(pickle._Unpickler):  # type: ignore[name-defined,misc]
    """Python's unpickler with an allow-list on every global, call and state update.

    Raises:
        RefusedGlobal: the pickle needs something outside the allow-list.
    """

    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._value_ids: set[int] = set()  # values-only classes this pickle named (model, YAML loader)

    def load(self) -> Any:
        try:
            return super().load()
        except KeyError as error:  # the pure-Python unpickler's answer to an unknown opcode
            if error.args and isinstance(error.args[0], int):
                raise pickle.UnpicklingError(f"invalid load key {bytes([error.args[0]])!r}") from None
            raise

    def find_class(self, module: str, name: str) -> Any:
        key = f"{module}.{name}"
        for allowed in (static_calls(), static_new_only()):
            if key in allowed:
                return allowed[key]
        value = static_values().get(key) or model_class(module, name)
        if value is None:
            raise RefusedGlobal(key, "import")
        self._value_ids.add(id(value))
        return value

    @staticmethod
    def _check(func: Any, allowed: frozenset[int], action: str) -> None:
        if id(func) not in allowed:
            raise RefusedGlobal(f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}", action)

    def load_reduce(self) -> None:
        self._check(self.stack[-2], _call_ids(), "call")
        _scan(self.stack[-1], _call_ids(), "call argument")
        super().load_reduce()

    def load_newobj(self) -> None:
        self._check(self.stack[-2], _new_ids(), "instantiation")
        _scan(self.stack[-1], _call_ids(), "instantiation argument")
        super().load_newobj()

    def load_newobj_ex(self) -> None:
        self._check(self.stack[-3], _new_ids(), "instantiation")
        _scan(self.stack[-2:], _call_ids(), "instantiation argument")
        super().load_newobj_ex()

    def load_build(self) -> None:
        state, inst = self.stack[-1], self.stack[-2]
        if not _buildable(inst):
            name = getattr(inst, "__qualname__", None) or type(inst).__qualname__
            raise RefusedGlobal(f"{getattr(inst, '__module__', type(inst).__module__)}.{name}", "state update")
        # a Config holds its model and YAML loader classes as plain values; nothing else may hold code
        _scan(state, _call_ids() | self._value_ids if _is_config(inst) else _call_ids(), "state value")
        super().load_build()

    def load_inst(self) -> None:
        raise RefusedGlobal("INST opcode", "protocol-0 instantiation")

    def load_obj(self) -> None:
        raise RefusedGlobal("OBJ opcode", "protocol-1 instantiation")

    def get_extension(self, code: int) -> None:
        raise RefusedGlobal(f"copyreg extension {code}", "import")

    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex
    dispatch[pickle.BUILD[0]] = load_build
    dispatch[pickle.INST[0]] = load_inst
    dispatch[pickle.OBJ[0]] = load_obj


def restricted_load(file: Any, **kwargs: Any) -> Any:
    """``pickle.load`` through :class:`RestrictedUnpickler`."""
    return RestrictedUnpickler(file, **kwargs).load()


def restricted_loads(data: bytes, **kwargs: Any) -> Any:
    """``pickle.loads`` through :class:`RestrictedUnpickler`."""
    return restricted_load(io.BytesIO(data), **kwargs)


def _module() -> types.ModuleType:
    module = types.ModuleType(f"{__name__}.RESTRICTED_PICKLE", "pickle with an allow-list, for torch.load")
    module.Unpickler = RestrictedUnpickler  # type: ignore[attr-defined]
    module.load = restricted_load  # type: ignore[attr-defined]
    module.loads = restricted_loads  # type: ignore[attr-defined]
    module.UnpicklingError = pickle.UnpicklingError  # type: ignore[attr-defined]
    module.__file__ = __file__
    return module


#: Pass as ``torch.load(..., weights_only=False, pickle_module=RESTRICTED_PICKLE)``.
RESTRICTED_PICKLE = _module()
