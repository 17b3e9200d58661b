"""The forecaster registry: built-in table, plugins, lazy imports."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import subprocess
import sys
import types

import pytest

import demandcast
import demandcast.forecasters as fc
from demandcast.exceptions import ConfigError, UnknownForecasterError
from demandcast.forecasters import registry
from demandcast.forecasters.base import BaseForecaster
from demandcast.forecasters.naive import SeasonalNaive
from demandcast.forecasters.registry import (
    BUILTIN_FORECASTERS,
    ENTRY_POINT_GROUP,
    get_forecaster,
    get_forecaster_class,
    list_forecasters,
)


def _module_exists(target: str) -> bool:
    return importlib.util.find_spec(target.partition(":")[0]) is not None


def _sync_params():
    for name, target in sorted(BUILTIN_FORECASTERS.items()):
        yield pytest.param(name, target, id=name)


@pytest.mark.parametrize(("name", "target"), list(_sync_params()))
def test_builtin_table_and_classes_in_sync(name, target):
    cls = get_forecaster_class(name)
    assert cls.__name__ == target.partition(":")[2]
    assert issubclass(cls, BaseForecaster)
    assert cls.name == name
    assert set(cls.tags) == set(demandcast.forecasters.DEFAULT_TAGS)
    assert getattr(fc, cls.__name__) is cls


def test_list_is_sorted_and_holds_builtins():
    names = list_forecasters()
    assert names == sorted(names)
    assert set(BUILTIN_FORECASTERS) <= set(names)
    assert demandcast.list_forecasters() == names


def test_get_forecaster_passes_params_and_forgives_spelling():
    f = get_forecaster("Historical-Average", k_weeks=6, alias="ha6")
    assert f.get_params() == {"alias": "ha6", "k_weeks": 6}
    assert repr(f) == "HistoricalAverage(alias='ha6', k_weeks=6)"


def test_unknown_name_lists_known_and_closest():
    with pytest.raises(UnknownForecasterError) as info:
        get_forecaster("seasonal_naieve")
    text = str(info.value)
    assert "did you mean 'seasonal_naive'" in text
    for name in BUILTIN_FORECASTERS:
        assert name in text
    assert isinstance(info.value, LookupError)


def test_unknown_name_far_from_anything_has_no_guess():
    with pytest.raises(UnknownForecasterError, match="Known forecasters") as info:
        get_forecaster("xyzzy")
    assert "did you mean" not in str(info.value)


def test_bad_parameter_is_a_config_error():
    with pytest.raises(ConfigError, match="k_weeks_typo"):
        get_forecaster("historical_average", k_weeks_typo=3)


class PluginModel(SeasonalNaive):
    name = "my_plugin"


def _fake_entry_points(monkeypatch, *eps):
    module = types.ModuleType("fake_demandcast_plugin")
    module.PluginModel = PluginModel
    monkeypatch.setitem(sys.modules, "fake_demandcast_plugin", module)
    real = importlib.metadata.entry_points

    def entry_points(**kwargs):
        if kwargs.get("group") == ENTRY_POINT_GROUP:
            return importlib.metadata.EntryPoints(eps)
        return real(**kwargs)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def _ep(name, value):
    return importlib.metadata.EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_plugin_is_listed_and_created(monkeypatch):
    _fake_entry_points(monkeypatch, _ep("my_plugin", "fake_demandcast_plugin:PluginModel"))
    assert "my_plugin" in list_forecasters()
    f = get_forecaster("my_plugin", season_length=14)
    assert isinstance(f, PluginModel)
    assert f.season_length == 14


def test_plugin_clashing_with_builtin_is_ignored_with_warning(monkeypatch):
    _fake_entry_points(monkeypatch, _ep("sarima", "fake_demandcast_plugin:PluginModel"))
    with pytest.warns(UserWarning, match="ignored"):
        names = list_forecasters()
    assert names.count("sarima") == 1
    assert get_forecaster_class("seasonal_naive") is SeasonalNaive  # built-ins win


def test_broken_plugin_fails_only_when_requested(monkeypatch):
    _fake_entry_points(
        monkeypatch,
        _ep("broken", "no_such_module_for_demandcast:Model"),
        _ep("my_plugin", "fake_demandcast_plugin:PluginModel"),
    )
    assert {"broken", "my_plugin"} <= set(list_forecasters())
    assert get_forecaster("my_plugin").name == "my_plugin"
    with pytest.raises(ImportError, match=r"'broken'.*failed to import"):
        get_forecaster("broken")


def test_lazy_attribute_errors():
    with pytest.raises(AttributeError, match="NoSuchModel"):
        fc.NoSuchModel  # noqa: B018
    assert "SARIMA" in dir(fc)
    assert registry.BUILTIN_FORECASTERS is BUILTIN_FORECASTERS


def test_import_stays_light():
    code = (
        "import sys, demandcast, demandcast.forecasters as f, demandcast.testing\n"
        "demandcast.list_forecasters(); f.SeasonalNaive; f.HistoricalAverage\n"
        "heavy = [m for m in ('statsmodels', 'prophet', 'sklearn', 'sqlalchemy',"
        " 'matplotlib', 'dask') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
