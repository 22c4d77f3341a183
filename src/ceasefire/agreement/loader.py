"""Load an agreement directory (``agreement.yaml`` plus GeoJSON) into an ``Agreement``.

Validation runs in one pass and reports every problem it finds, each with the file, the
key path (``zones[3].band_km``) and a reason a GIS officer can act on, as one
``AgreementErrors``. Problems inside ``agreement.yaml`` carry its line number.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import shapely
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from ceasefire import geo
from ceasefire.agreement import spec as s
from ceasefire.agreement.line_of_contact import band, derive_line
from ceasefire.agreement.model import (
    AdminArea,
    Agreement,
    Cap,
    Geography,
    Party,
    Rule,
    Severity,
    WeaponClassTerm,
    Zone,
    ZoneShape,
)
from ceasefire.errors import AgreementError, AgreementErrors, GeometryError
from ceasefire.observations.taxonomy import Kind, WeaponClass

logger = logging.getLogger(__name__)

AGREEMENT_FILE = "agreement.yaml"
KINDS = frozenset(k.value for k in Kind)
STANDARD_WEAPON_CLASSES = frozenset(w.value for w in WeaponClass)
# Share of a polygon zone's area that may lie outside the country before a note is made.
_OUTSIDE_NOTE_SHARE = 0.01

M = TypeVar("M", bound=BaseModel)


def example_agreement_dir(name: str = "christmas-2023") -> Path:
    """The directory of an example agreement shipped inside the package."""
    root = resources.files("ceasefire") / "data" / "agreements"
    candidate = root / name
    if not candidate.is_dir():
        available = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        raise AgreementError(
            name,
            "",
            f"no shipped example agreement of that name (available: {', '.join(available)})",
        )
    return Path(str(candidate))


def load_agreement(directory: Path) -> Agreement:
    """Load, validate and build the agreement in ``directory``; raise ``AgreementErrors``."""
    return _Loader(Path(directory)).load()


# --- problem collection -----------------------------------------------------------------


@dataclass
class _Problems:
    yaml_file: Path
    lines: dict[str, int] = field(default_factory=dict)
    items: list[AgreementError] = field(default_factory=list)

    def add(self, key_path: str, reason: str, file: Path | None = None) -> None:
        """Record a problem; problems in agreement.yaml get the line of the nearest key."""
        target = file or self.yaml_file
        if target == self.yaml_file:
            line = self._line(key_path)
            if line is not None:
                reason = f"{reason} (line {line})"
        self.items.append(AgreementError(target, key_path, reason))

    def _line(self, key_path: str) -> int | None:
        path = key_path
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


def _key_path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _describe(value: Any) -> str:
    names = {
        str: "text",
        int: "integer",
        float: "number",
        bool: "boolean",
        list: "list",
        dict: "mapping",
    }
    kind = names.get(type(value), type(value).__name__)
    shown = repr(value)
    return f"{kind} {shown[:40]}{'…' if len(shown) > 40 else ''}"


def _allowed_keys(loc: Sequence[int | str]) -> list[str]:
    """The keys allowed at ``loc`` in agreement.yaml (walks the spec models)."""
    model: Any = s.AgreementSpec
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part)
        if info is None:
            return []
        model = _model_in(info.annotation)
    return sorted(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _pydantic_problems(
    exc: ValidationError, problems: _Problems, prefix: Sequence[int | str] = ()
) -> None:
    for error in exc.errors():
        loc = [*prefix, *(p for p in error["loc"] if p != "[key]")]
        kind = error["type"]
        value = error.get("input")
        msg = str(error["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            name = str(loc[-1])
            allowed = _allowed_keys(loc[:-1])
            reason = (
                f"unknown key {name!r}{_suggest(name, allowed)} (allowed: {', '.join(allowed)})"
            )
        elif kind == "missing":
            reason = "required key is missing"
        elif kind == "timezone_aware":
            reason = (
                "timestamp has no UTC offset: write it in UTC with Z, e.g. 2023-01-06T09:00:00Z"
            )
        elif "[key]" in error["loc"]:
            reason = f"key {value!r}: {msg}"
        elif (
            kind.endswith("_type")
            or kind.startswith("literal")
            or kind == "string_pattern_mismatch"
        ):
            reason = f"{msg} (got {_describe(value)})"
        else:
            reason = msg
        problems.add(_key_path(loc), reason)


# --- YAML --------------------------------------------------------------------------------


def _yaml_lines(node: yaml.Node, prefix: str, lines: dict[str, int], problems: _Problems) -> None:
    """Map every key path to its line, and report duplicate keys (YAML keeps the last)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            path = f"{prefix}.{key}" if prefix else key
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.add(
                    path,
                    f"key {key!r} appears twice (lines {seen[key]} and {line}); "
                    "YAML keeps only the last",
                )
            seen[key] = line
            lines.setdefault(path, line)
            _yaml_lines(value_node, path, lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}[{index}]"
            lines.setdefault(path, item.start_mark.line + 1)
            _yaml_lines(item, path, lines, problems)


# --- GeoJSON -----------------------------------------------------------------------------

_WHERE = re.compile(r"^(?P<what>.*)\[(?P<x>-?[\d.e+-]+) (?P<y>-?[\d.e+-]+)\]$")
_LONLAT_CRS = ("CRS84", "EPSG::4326", "EPSG:4326")
_POLYGONAL = ("Polygon", "MultiPolygon")


def _explain(geometry: BaseGeometry) -> str | None:
    reason = geo.explain_invalid(geometry)
    if reason is None:
        return None
    match = _WHERE.match(reason)
    if match:
        what = match["what"].strip().lower() or "invalid geometry"
        reason = (
            f"{what} at lon {float(match['x']):.5f}, lat {float(match['y']):.5f}; "
            "fix it in QGIS (Fix Geometries) or with shapely.make_valid"
        )
    return reason


def _unclosed_ring(geometry: dict[str, Any]) -> str | None:
    """GeoJSON rings must end where they start; shapely would close them silently."""
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    if not isinstance(polygons, list):
        return None
    for p, polygon in enumerate(polygons):
        for r, ring in enumerate(polygon if isinstance(polygon, list) else []):
            if isinstance(ring, list) and len(ring) >= 2 and ring[0] != ring[-1]:
                first = ring[0]
                return (
                    f"ring {r} of polygon {p} is not closed: "
                    f"it starts at {first} but ends at {ring[-1]}"
                )
    return None


@dataclass(frozen=True, slots=True)
class _Feature:
    properties: dict[str, Any]
    geometry: BaseGeometry  # lon/lat, 2-D, valid


def _read_geojson(path: Path, problems: _Problems) -> list[_Feature] | None:
    """Polygonal features of a GeoJSON file; None (with problems recorded) when unusable."""
    try:
        raw = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        problems.add(
            "",
            f"not GeoJSON: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            path,
        )
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.add("", f"cannot read the file: {exc}", path)
        return None
    if not isinstance(raw, dict) or raw.get("type") not in (
        "FeatureCollection",
        "Feature",
        *_POLYGONAL,
    ):
        found = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
        problems.add(
            "type",
            f"not GeoJSON: expected a FeatureCollection, Feature or Polygon (found {found!r})",
            path,
        )
        return None
    crs_name = (
        str(raw.get("crs", {}).get("properties", {}).get("name", ""))
        if isinstance(raw.get("crs"), dict)
        else ""
    )
    if crs_name and not crs_name.upper().endswith(_LONLAT_CRS):
        problems.add(
            "crs",
            f"declares CRS {crs_name}; GeoJSON must be WGS84 lon/lat (RFC 7946): "
            "reproject it, e.g. ogr2ogr -t_srs EPSG:4326",
            path,
        )
        return None
    if raw["type"] == "FeatureCollection":
        features = raw.get("features")
        if not isinstance(features, list):
            problems.add(
                "features", "not GeoJSON: a FeatureCollection needs a list of features", path
            )
            return None
        entries = [(f"features[{i}]", f) for i, f in enumerate(features)]
    elif raw["type"] == "Feature":
        entries = [("", raw)]
    else:
        entries = [("", {"type": "Feature", "properties": {}, "geometry": raw})]
    out: list[_Feature] = []
    ok = True
    for where, feature in entries:
        key = f"{where}.geometry" if where else "geometry"
        geometry_raw = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry_raw, dict):
            problems.add(key, "feature has no geometry", path)
            ok = False
            continue
        if geometry_raw.get("type") not in _POLYGONAL:
            problems.add(
                key, f"expected Polygon or MultiPolygon, found {geometry_raw.get('type')!r}", path
            )
            ok = False
            continue
        unclosed = _unclosed_ring(geometry_raw)
        if unclosed:
            problems.add(key, unclosed, path)
            ok = False
            continue
        try:
            geometry = shapely.force_2d(shape(geometry_raw))
        except (
            ValueError,
            TypeError,
            IndexError,
            AttributeError,
            shapely.errors.ShapelyError,
        ) as exc:
            problems.add(key, f"not a valid GeoJSON geometry: {exc}", path)
            ok = False
            continue
        reason = _explain(geometry)
        if reason:
            problems.add(key, reason, path)
            ok = False
            continue
        properties = feature.get("properties") or {}
        out.append(_Feature(properties if isinstance(properties, dict) else {}, geometry))
    if ok and not out:
        problems.add("features", "the file holds no polygon", path)
        return None
    return out if ok else None


# --- the loader --------------------------------------------------------------------------


@dataclass
class _View:
    """Whatever parts of the spec validated, so cross-checks run even when others did not."""

    effective: datetime | None = None
    parties: dict[str, str] = field(default_factory=dict)
    guarantors: list[str] = field(default_factory=list)
    crs: str | None = None
    line: s.LineOfContactSpec | None = None
    weapon_classes: list[tuple[int, s.WeaponClassSpec]] = field(default_factory=list)
    zones: list[tuple[int, s.ZoneSpec]] = field(default_factory=list)
    rules: list[tuple[int, s.RuleSpec]] = field(default_factory=list)
    caps: list[tuple[int, s.CapSpec]] = field(default_factory=list)

    @classmethod
    def of(cls, spec: s.AgreementSpec) -> _View:
        return cls(
            spec.effective,
            dict(spec.parties),
            list(spec.guarantors),
            spec.crs,
            spec.line_of_contact,
            list(enumerate(spec.weapon_classes)),
            list(enumerate(spec.zones)),
            list(enumerate(spec.rules)),
            list(enumerate(spec.caps)),
        )

    @classmethod
    def partial(cls, raw: dict[str, Any]) -> _View:
        view = cls()
        try:
            view.effective = TypeAdapter(s.Timestamp).validate_python(raw.get("effective"))
        except ValidationError:
            pass
        parties = raw.get("parties")
        if isinstance(parties, dict):
            view.parties = {
                k: v for k, v in parties.items() if isinstance(k, str) and isinstance(v, str)
            }
        guarantors = raw.get("guarantors")
        if isinstance(guarantors, list):
            view.guarantors = [g for g in guarantors if isinstance(g, str)]
        view.crs = raw["crs"] if isinstance(raw.get("crs"), str) else None
        try:
            view.line = s.LineOfContactSpec.model_validate(raw.get("line_of_contact"))
        except ValidationError:
            pass
        view.weapon_classes = _valid_items(raw.get("weapon_classes"), s.WeaponClassSpec)
        view.zones = _valid_items(raw.get("zones"), s.ZoneSpec)
        view.rules = _valid_items(raw.get("rules"), s.RuleSpec)
        view.caps = _valid_items(raw.get("caps"), s.CapSpec)
        return view


def _valid_items(items: Any, model: type[M]) -> list[tuple[int, M]]:
    if not isinstance(items, list):
        return []
    out = []
    for index, item in enumerate(items):
        try:
            out.append((index, model.model_validate(item)))
        except ValidationError:
            continue
    return out


class _Loader:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.yaml_path = directory / AGREEMENT_FILE
        self.problems = _Problems(self.yaml_path)
        self.notes: list[str] = []
        self.hashed: dict[str, bytes] = {}

    def fail_if_any(self) -> None:
        if self.problems.items:
            raise AgreementErrors(self.problems.items)

    def load(self) -> Agreement:
        raw = self._read_yaml()
        self.fail_if_any()
        assert raw is not None
        spec: s.AgreementSpec | None = None
        try:
            spec = s.AgreementSpec.model_validate(raw)
            view = _View.of(spec)
        except ValidationError as exc:
            _pydantic_problems(exc, self.problems)
            view = _View.partial(raw)
        crs = self._check_references(view)
        geography = self._geography(view, crs)
        zones = self._zones(view, geography)
        self.fail_if_any()
        assert spec is not None and geography is not None
        return self._build(spec, geography, zones)

    # -- reading

    def _read_yaml(self) -> dict[str, Any] | None:
        if not self.directory.is_dir():
            self.problems.add("", "agreement directory not found", self.directory)
            return None
        if not self.yaml_path.is_file():
            self.problems.add("", "file not found")
            return None
        data = self.yaml_path.read_bytes()
        self.hashed[AGREEMENT_FILE] = data
        try:
            text = data.decode("utf-8")
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            raw = yaml.safe_load(text)
        except UnicodeDecodeError as exc:
            self.problems.add("", f"not UTF-8 text: {exc}")
            return None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            self.problems.add("", f"YAML syntax error{where}: {exc.problem or exc.context}")
            return None
        if not isinstance(raw, dict):
            self.problems.add(
                "", f"expected a mapping of keys at the top level, found {_describe(raw)}"
            )
            return None
        if node is not None:
            _yaml_lines(node, "", self.problems.lines, self.problems)
        return raw

    def _resolve(self, relative: str, key_path: str) -> Path | None:
        candidate = Path(relative)
        resolved = (self.directory / candidate).resolve()
        if candidate.is_absolute() or not resolved.is_relative_to(self.directory.resolve()):
            self.problems.add(
                key_path, f"{relative!r} must be a relative path inside the agreement directory"
            )
            return None
        if not resolved.is_file():
            self.problems.add(key_path, f"file not found: {relative}")
            return None
        self.hashed[candidate.as_posix()] = resolved.read_bytes()
        return self.directory / candidate

    def _polygons(self, relative: str, key_path: str) -> list[_Feature] | None:
        path = self._resolve(relative, key_path)
        return None if path is None else _read_geojson(path, self.problems)

    # -- cross-checks

    def _check_references(self, view: _View) -> str:
        add = self.problems.add
        crs = view.crs or geo.DEFAULT_METRIC_CRS
        if view.crs is not None:
            try:
                geo.check_metric_crs(view.crs)
            except GeometryError as exc:
                add("crs", exc.message)
                crs = geo.DEFAULT_METRIC_CRS
        parties = set(view.parties)
        party_list = ", ".join(sorted(parties))
        if view.parties and len(parties) != 2:
            add(
                "parties",
                f"exactly two belligerent parties are needed (found {len(parties)}: {party_list})",
            )
        for index, code in enumerate(view.guarantors):
            if code in parties:
                add(f"guarantors[{index}]", f"{code!r} is a party; a guarantor cannot be a party")
            if code in view.guarantors[:index]:
                add(f"guarantors[{index}]", f"guarantor {code!r} is listed twice")
        if view.line is not None and parties and view.line.controlled_by not in parties:
            add(
                "line_of_contact.controlled_by",
                f"{view.line.controlled_by!r} is not a party (parties: {party_list})",
            )

        classes: dict[str, s.WeaponClassSpec] = {}
        for index, wc in view.weapon_classes:
            if wc.id in classes:
                add(f"weapon_classes[{index}].id", f"duplicate weapon class id {wc.id!r}")
            classes[wc.id] = wc
            if wc.id not in STANDARD_WEAPON_CLASSES and not (wc.custom_reason or "").strip():
                add(
                    f"weapon_classes[{index}].id",
                    f"{wc.id!r} is not a standard weapon class"
                    f"{_suggest(wc.id, STANDARD_WEAPON_CLASSES)}; "
                    "use one of ceasefire's weapon classes or say why not in custom_reason "
                    f"(standard: {', '.join(sorted(STANDARD_WEAPON_CLASSES))})",
                )

        zone_ids: dict[str, int] = {}
        for index, zone in view.zones:
            here = f"zones[{index}]"
            if zone.id in zone_ids:
                add(
                    f"{here}.id",
                    f"duplicate zone id {zone.id!r} (first at zones[{zone_ids[zone.id]}])",
                )
            zone_ids.setdefault(zone.id, index)
            for k, wc_id in enumerate(zone.prohibits.weapon_classes):
                if wc_id not in classes:
                    add(
                        f"{here}.prohibits.weapon_classes[{k}]",
                        f"weapon class {wc_id!r} is not defined in weapon_classes"
                        f"{_suggest(wc_id, classes)}"
                        f" (defined: {', '.join(classes) or 'none'})",
                    )
                elif zone.band_km is not None and zone.side is None:
                    width = classes[wc_id].zone_width_km
                    if width is not None and width != zone.band_km:
                        add(
                            f"{here}.band_km",
                            f"band of {zone.band_km:g} km prohibits {wc_id!r}, "
                            f"whose zone_width_km is {width:g}",
                        )
            self._check_kinds(zone.prohibits.kinds, f"{here}.prohibits.kinds")
            if zone.side is not None and parties and zone.side not in parties:
                add(f"{here}.side", f"{zone.side!r} is not a party (parties: {party_list})")
            if (
                zone.demilitarised_after
                and view.effective
                and zone.demilitarised_after < view.effective
            ):
                add(f"{here}.demilitarised_after", "deadline is before the agreement is effective")

        rule_ids: dict[str, int] = {}
        for index, rule in view.rules:
            here = f"rules[{index}]"
            if rule.id in rule_ids:
                add(
                    f"{here}.id",
                    f"duplicate rule id {rule.id!r} (first at rules[{rule_ids[rule.id]}])",
                )
            rule_ids.setdefault(rule.id, index)
            self._check_kinds(rule.kinds, f"{here}.kinds")
            for k, zone_id in enumerate(rule.where.zones or ()):
                if zone_id not in zone_ids:
                    add(
                        f"{here}.where.zones[{k}]",
                        f"unknown zone {zone_id!r}{_suggest(zone_id, zone_ids)}",
                    )
            if rule.after and view.effective and rule.after < view.effective:
                add(f"{here}.after", "rule starts before the agreement is effective")

        cap_keys: set[tuple[str, str]] = set()
        for index, cap in view.caps:
            if parties and cap.party not in parties:
                add(f"caps[{index}].party", f"{cap.party!r} is not a party (parties: {party_list})")
            if (cap.party, cap.metric) in cap_keys:
                add(f"caps[{index}]", f"a second cap on {cap.metric} for {cap.party}")
            cap_keys.add((cap.party, cap.metric))
        return crs

    def _check_kinds(self, kinds: Sequence[str], key_path: str) -> None:
        for k, kind in enumerate(kinds):
            if kind not in KINDS:
                self.problems.add(
                    f"{key_path}[{k}]", f"unknown observation kind {kind!r}{_suggest(kind, KINDS)}"
                )

    # -- geometry

    def _geography(self, view: _View, crs: str) -> Geography | None:
        line = view.line
        if line is None:
            return None
        country = self._polygons(line.country_outline, "line_of_contact.country_outline")
        occupied = self._polygons(line.occupied_area, "line_of_contact.occupied_area")
        admin = self._admin_areas(line.admin_areas, crs) if line.admin_areas else ()
        if country is None or occupied is None:
            return None
        country_lonlat = shapely.union_all([f.geometry for f in country])
        country_m = geo.to_metric(country_lonlat, crs)
        occupied_m = geo.to_metric(shapely.union_all([f.geometry for f in occupied]), crs)
        if not occupied_m.intersects(country_m):
            self.problems.add(
                "line_of_contact.occupied_area",
                "the occupied area lies outside the country outline",
            )
            return None
        derived = derive_line(
            occupied_m,
            country_m,
            border_tolerance_m=line.border_tolerance_km * 1000,
            min_piece_m=line.min_segment_km * 1000,
        )
        if derived.line.is_empty:
            self.problems.add(
                "line_of_contact",
                "the derived line of contact is empty: "
                "the occupied area touches only the border and the coast",
            )
            return None
        controlled = line.controlled_by
        others = [p for p in view.parties if p != controlled]
        if controlled not in view.parties or len(others) != 1:
            return None  # reported by the cross-checks
        other = others[0]
        sides_m = {controlled: derived.controlled_side, other: derived.other_side}
        return Geography(
            crs=crs,
            country_m=country_m,
            line_m=derived.line,
            line_lonlat=geo.to_lonlat(derived.line, crs),
            controlled_by=controlled,
            other_party=other,
            sides_m=sides_m,
            sides_lonlat={p: geo.to_lonlat(g, crs) for p, g in sides_m.items()},
            admin_areas=admin,
            line_date=line.as_of.isoformat() if line.as_of else "",
            country_lonlat=country_lonlat,
            border_tolerance_km=line.border_tolerance_km,
        )

    def _admin_areas(self, relative: str, crs: str) -> tuple[AdminArea, ...]:
        features = self._polygons(relative, "line_of_contact.admin_areas")
        if features is None:
            return ()
        path = self.directory / relative
        areas = []
        for index, feature in enumerate(features):
            code, name = feature.properties.get("code"), feature.properties.get("name")
            if not isinstance(code, str) or not isinstance(name, str):
                self.problems.add(
                    f"features[{index}].properties",
                    "admin areas need text properties code and name",
                    path,
                )
                continue
            areas.append(
                AdminArea(code, name, feature.geometry, geo.to_metric(feature.geometry, crs))
            )
        return tuple(areas)

    def _zones(
        self, view: _View, geography: Geography | None
    ) -> list[tuple[s.ZoneSpec, BaseGeometry]]:
        out: list[tuple[s.ZoneSpec, BaseGeometry]] = []
        crs = geography.crs if geography else geo.DEFAULT_METRIC_CRS
        for index, zone in view.zones:
            here = f"zones[{index}]"
            geometry_m: BaseGeometry | None = None
            if zone.polygon is not None:
                features = self._polygons(zone.polygon, f"{here}.polygon")
                if features is None or geography is None:
                    continue
                geometry_m = geo.to_metric(shapely.union_all([f.geometry for f in features]), crs)
                inside = shapely.intersection(geometry_m, geography.country_m).area
                if inside == 0:
                    self.problems.add(
                        f"{here}.polygon",
                        f"the polygon in {zone.polygon} lies entirely outside the country",
                    )
                    continue
                share = 1 - inside / geometry_m.area
                if share > _OUTSIDE_NOTE_SHARE:
                    self.notes.append(
                        f"zone {zone.id}: {share:.0%} of its polygon lies outside the country"
                    )
            elif zone.around is not None:
                x, y = geo.project_xy(zone.around.lon, zone.around.lat, crs)  # type: ignore[arg-type]
                geometry_m = shapely.Point(float(x), float(y)).buffer(zone.around.radius_km * 1000)
                if geography is not None and not geography.country_m.contains(
                    shapely.Point(float(x), float(y))
                ):
                    self.notes.append(f"zone {zone.id}: its site lies outside the country outline")
            elif zone.band_km is not None and geography is not None:
                if zone.side is None:
                    geometry_m = band(geography.line_m, zone.band_km, geography.country_m)
                elif zone.side in geography.sides_m:
                    geometry_m = band(
                        geography.line_m, zone.band_km * 2, geography.sides_m[zone.side]
                    )
            if geometry_m is not None:
                out.append((zone, geometry_m))
        return out

    # -- the runtime records

    def _build(
        self,
        spec: s.AgreementSpec,
        geography: Geography,
        zones: list[tuple[s.ZoneSpec, BaseGeometry]],
    ) -> Agreement:
        crs = geography.crs
        built = []
        for zone, geometry_m in zones:
            shape_kind = (
                ZoneShape.BAND
                if zone.band_km is not None
                else (ZoneShape.POLYGON if zone.polygon is not None else ZoneShape.AROUND)
            )
            built.append(
                Zone(
                    id=zone.id,
                    label=zone.label or zone.id,
                    shape=shape_kind,
                    geometry_lonlat=geo.to_lonlat(geometry_m, crs),
                    geometry_m=geometry_m,
                    prohibits_weapon_classes=frozenset(zone.prohibits.weapon_classes),
                    prohibits_kinds=frozenset(zone.prohibits.kinds),
                    demilitarised_after=zone.demilitarised_after,
                    band_km=zone.band_km,
                    side=zone.side,
                    illustrative=zone.illustrative,
                    description=zone.description,
                    center_lonlat=(zone.around.lon, zone.around.lat) if zone.around else None,
                    radius_km=zone.around.radius_km if zone.around else None,
                )
            )
        rules = tuple(
            Rule(
                id=r.id,
                kinds=frozenset(r.kinds),
                where=r.where.kind,
                severity=Severity(r.severity),
                zones=tuple(r.where.zones or ()),
                after=r.after or spec.effective,
                description=r.description,
            )
            for r in spec.rules
        )
        digest = hashlib.sha256()
        for name in sorted(self.hashed):
            digest.update(name.encode() + b"\0" + hashlib.sha256(self.hashed[name]).digest())
        return Agreement(
            id=spec.id,
            version=spec.version,
            effective=spec.effective,
            parties=tuple(Party(code, name) for code, name in spec.parties.items()),
            guarantors=tuple(spec.guarantors),
            geography=geography,
            zones=tuple(built),
            weapon_classes=tuple(
                WeaponClassTerm(w.id, w.label or w.id, w.zone_width_km) for w in spec.weapon_classes
            ),
            rules=rules,
            caps=tuple(Cap(c.party, c.metric, c.max) for c in spec.caps),
            title=spec.title,
            source_dir=self.directory,
            content_sha256=digest.hexdigest(),
            notes=tuple(self.notes),
            description=spec.description,
        )
