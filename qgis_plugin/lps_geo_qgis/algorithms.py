"""Processing algorithms that run the ``lps-geo`` command line.

* :class:`RunAnalysis` - an analysis from QGIS layers (``lps-geo run``);
* :class:`RebuildMapsAtlas` - maps and atlas of a result GeoPackage
  (``lps-geo maps`` / ``lps-geo atlas``);
* :class:`RunDemo` - the embedded demo (``lps-geo demo``).

The analysis exports the chosen layers to a temporary folder (GeoPackage for
the municipalities and institutions, CSV for a table layer), writes a TOML
configuration and runs lps-geo on it in its own environment. The styled layers
of the written ``result.gpkg`` are returned as outputs and loaded into the
project when the run finishes.
"""

from __future__ import annotations

import csv
import json
import shutil
import tempfile
from pathlib import Path

from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsFields,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputFolder,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProviderRegistry,
    QgsVectorFileWriter,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QUrl, QUrlQuery, QVariant
from qgis.PyQt.QtGui import QIcon

from . import options, runner

ICON = Path(__file__).resolve().parent / "icon.png"

#: Layers of result.gpkg loaded into the project, bottom to top, with titles.
RESULT_LAYERS = (
    ("municipalities", "Municipalities"),
    ("lps", "LPS"),
    ("institutions", "Institutions"),
)
LPS_TYPES = options.LPS_TYPES


def executable() -> str:
    """The configured lps-geo executable (see :func:`runner.find_executable`)."""
    configured = None
    try:
        from processing.core.ProcessingConfig import ProcessingConfig

        configured = ProcessingConfig.getSetting(runner.SETTING_EXECUTABLE)
    except Exception:  # noqa: BLE001 - Processing not initialised: env/PATH only
        configured = None
    try:
        return runner.find_executable(configured)
    except runner.LpsGeoRunError as exc:
        raise QgsProcessingException(str(exc)) from None


def run_lps_geo(args, feedback, atlas_share: float = 0.0) -> list[str]:
    """Run lps-geo; its failures become :class:`QgsProcessingException`."""
    exe = executable()
    try:
        return runner.run_command(exe, [str(a) for a in args], feedback, atlas_share)
    except runner.LpsGeoRunError as exc:
        raise QgsProcessingException(str(exc)) from None


def _permutations(value: int) -> int | str:
    """The plugin's -1 is the configuration's "auto" (sequential draws)."""
    return "auto" if value < 0 else value


class _Base(QgsProcessingAlgorithm):
    """Shared plumbing: names, icon, result loading."""

    def createInstance(self):
        return type(self)()

    def group(self):
        return "lps_geo"

    def groupId(self):
        return "lps_geo"

    def icon(self):
        return QIcon(str(ICON))

    def _feedback(self, feedback):
        return feedback if feedback is not None else QgsProcessingFeedback()

    def _load_results(self, out: Path, context, feedback) -> dict:
        """Load the styled layers of the written GeoPackage(s); return outputs.

        With ``reference_area = "both"`` every reference area has its own
        ``result.gpkg`` in a subfolder; all of them are loaded (titles end in
        the area), the outputs name the first one's.
        """
        report_path = out / "report.json"
        report = json.loads(report_path.read_text(encoding="utf-8"))
        if (out / "result.gpkg").is_file():
            parts = [("", out / "result.gpkg", report)]
        else:
            parts = []
            for area in report.get("reference_areas", []):
                sub = out / area
                sub_report = json.loads((sub / "report.json").read_text("utf-8"))
                parts.append((area, sub / "result.gpkg", sub_report))
        if not parts:
            raise QgsProcessingException(f"lps-geo wrote no result.gpkg in {out}")
        results = {
            "OUTPUT": str(out),
            "GEOPACKAGE": str(parts[0][1]),
            "REPORT": str(report_path),
            "N_LPS": int(parts[0][2].get("n_lps", 0)),
        }
        for k, (area, gpkg, part_report) in enumerate(parts):
            suffix = f" ({area})" if area else ""
            feedback.pushInfo(
                f"{gpkg}: {part_report.get('n_lps', '?')} LPS "
                f"{json.dumps(part_report.get('lps_by_type', {}))}"
            )
            for i, (name, title) in enumerate(RESULT_LAYERS):
                # the id starts with this name: QGIS loads layers in id order,
                # so municipalities end up below the LPS and institutions on top
                layer = QgsVectorLayer(
                    f"{gpkg}|layername={name}", f"lps_geo_{k}{i}_{name}", "ogr"
                )
                if not layer.isValid():
                    if name == "institutions":
                        continue  # only written when institutions were given
                    raise QgsProcessingException(f"cannot open layer {name} of {gpkg}")
                layer.setName(title + suffix)
                context.temporaryLayerStore().addMapLayer(layer)
                context.addLayerToLoadOnCompletion(
                    layer.id(),
                    QgsProcessingContext.LayerDetails(
                        title + suffix, context.project(), ""
                    ),
                )
                if k == 0 and name in ("lps", "municipalities"):
                    results[name.upper()] = layer.id()
        return results


def _enum(name, text, options, default=0, optional=False, multiple=False):
    return QgsProcessingParameterEnum(
        name,
        text,
        options=list(options),
        allowMultiple=multiple,
        defaultValue=default,
        optional=optional,
    )


def _advanced(param):
    param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return param


def _help(param, text):
    if hasattr(param, "setHelp"):  # QGIS >= 3.16
        param.setHelp(text)
    return param


# ------------------------------------------------------------------ analysis


class RunAnalysis(_Base):
    """``lps-geo run`` from QGIS layers."""

    MUNICIPALITIES = "MUNICIPALITIES"
    CODE_FIELD = "CODE_FIELD"
    NAME_FIELD = "NAME_FIELD"
    POPULATION_FIELD = "POPULATION_FIELD"
    TABLE = "TABLE"
    TABLE_FILE = "TABLE_FILE"
    TABLE_FORM = "TABLE_FORM"
    REGION_COLUMN = "REGION_COLUMN"
    INDUSTRY_COLUMN = "INDUSTRY_COLUMN"
    EMPLOYMENT_COLUMN = "EMPLOYMENT_COLUMN"
    ESTABLISHMENTS_COLUMN = "ESTABLISHMENTS_COLUMN"
    WIDE_MEASURE = "WIDE_MEASURE"
    CNAE = "CNAE"
    INSTITUTIONS = "INSTITUTIONS"
    INSTITUTION_TYPE_FIELD = "INSTITUTION_TYPE_FIELD"
    INSTITUTION_NAME_FIELD = "INSTITUTION_NAME_FIELD"
    SIZE_MEASURE = "SIZE_MEASURE"
    INDUSTRY_LEVEL = "INDUSTRY_LEVEL"
    REFERENCE_AREA = "REFERENCE_AREA"
    DENOMINATOR = "DENOMINATOR"
    INDUSTRIES = "INDUSTRIES"
    WEIGHTS = "WEIGHTS"
    K = "K"
    THRESHOLD = "THRESHOLD"
    VARIABLE = "VARIABLE"
    PERMUTATIONS = "PERMUTATIONS"
    SEED = "SEED"
    ALPHA = "ALPHA"
    CORRECTION = "CORRECTION"
    CAPABILITY_DISTANCE = "CAPABILITY_DISTANCE"
    SURFACES = "SURFACES"
    LANG = "LANG"
    FOCUS_INDUSTRY = "FOCUS_INDUSTRY"
    MAPS = "MAPS"
    ATLAS = "ATLAS"
    OVERWRITE = "OVERWRITE"
    OUTPUT = "OUTPUT"

    FORMS = options.TABLE_FORMS
    MEASURES = options.SIZE_MEASURES
    LEVELS = options.INDUSTRY_LEVELS
    AREAS = options.REFERENCE_AREAS
    DENOMINATORS = options.SELECTIONS
    WEIGHT_KINDS = options.WEIGHTS_KINDS
    VARIABLES = options.VARIABLES
    CORRECTIONS = options.CORRECTIONS
    LANGS = options.LANGS

    def name(self):
        return "run_analysis"

    def displayName(self):
        return "Run an LPS analysis"

    def shortHelpString(self):
        return (
            "Finds, classifies and maps local production systems (industrial "
            "clusters) with lps_geo, from a municipalities layer and an "
            "employment table (a table layer, or a CSV/XLSX/Parquet file read "
            "by lps_geo itself), optionally with support institutions.<br><br>"
            "The layers are exported to a temporary folder with a TOML "
            "configuration and the <i>lps-geo</i> command runs in its own "
            "Python environment (set its path in Settings > Options > "
            "Processing > Providers > lps_geo). The output folder receives "
            "result.gpkg, report.json, maps/, atlas.pdf and rasters/ (with "
            "institutions); "
            "the styled LPS and municipalities layers are added to the project."
            "<br><br>An existing, non-empty output folder is refused unless "
            "'Replace the output folder' is checked: it then replaces the "
            "whole folder."
        )

    def initAlgorithm(self, config=None):
        add = self.addParameter
        add(
            QgsProcessingParameterFeatureSource(
                self.MUNICIPALITIES,
                "Municipalities (polygons)",
                [QgsProcessing.TypeVectorPolygon],
            )
        )
        add(
            _help(
                QgsProcessingParameterField(
                    self.CODE_FIELD,
                    "Municipality code field (IBGE 7 digits)",
                    defaultValue="CD_MUN",
                    parentLayerParameterName=self.MUNICIPALITIES,
                ),
                "IBGE code of each municipality; the table's region codes "
                "(7 digits, or RAIS 6 digits) must match it.",
            )
        )
        add(
            QgsProcessingParameterField(
                self.NAME_FIELD,
                "Municipality name field",
                parentLayerParameterName=self.MUNICIPALITIES,
                optional=True,
            )
        )
        add(
            _advanced(
                QgsProcessingParameterField(
                    self.POPULATION_FIELD,
                    "Population field (capability per 100,000)",
                    parentLayerParameterName=self.MUNICIPALITIES,
                    type=QgsProcessingParameterField.Numeric,
                    optional=True,
                )
            )
        )
        add(
            QgsProcessingParameterFeatureSource(
                self.TABLE,
                "Employment table (layer) [or give a file below]",
                [QgsProcessing.TypeVector],
                optional=True,
            )
        )
        add(
            _help(
                QgsProcessingParameterFile(
                    self.TABLE_FILE,
                    "Employment table (file) [or choose a layer above]",
                    optional=True,
                    fileFilter="Tables (*.csv *.CSV *.xlsx *.xls *.parquet);;"
                    "All files (*.*)",
                ),
                "Read by lps_geo directly (separator sniffed, codes kept as text).",
            )
        )
        add(
            _help(
                _enum(self.TABLE_FORM, "Table form", self.FORMS),
                "long: one row per municipality and industry; wide: one row "
                "per municipality, one column per industry.",
            )
        )
        add(
            QgsProcessingParameterString(
                self.REGION_COLUMN, "Municipality code column", "region"
            )
        )
        add(
            QgsProcessingParameterString(
                self.INDUSTRY_COLUMN,
                "Industry (CNAE) column (long form)",
                "industry",
            )
        )
        add(
            QgsProcessingParameterString(
                self.EMPLOYMENT_COLUMN, "Employment column (long form)", "employment"
            )
        )
        add(
            QgsProcessingParameterString(
                self.ESTABLISHMENTS_COLUMN,
                "Establishments column (long form)",
                "establishments",
            )
        )
        add(
            _advanced(
                _enum(
                    self.WIDE_MEASURE,
                    "What the cells of a wide table count",
                    self.MEASURES,
                    default=1,
                )
            )
        )
        add(
            _advanced(
                QgsProcessingParameterFile(
                    self.CNAE,
                    "CNAE table (industry titles: IBGE .xls, SEADE .xlsx or "
                    "CSV code,title)",
                    optional=True,
                    fileFilter="Tables (*.csv *.xlsx *.xls);;All files (*.*)",
                )
            )
        )
        add(
            QgsProcessingParameterFeatureSource(
                self.INSTITUTIONS,
                "Support institutions (points)",
                [QgsProcessing.TypeVectorPoint],
                optional=True,
            )
        )
        add(
            QgsProcessingParameterField(
                self.INSTITUTION_TYPE_FIELD,
                "Institution type field",
                defaultValue="type",
                parentLayerParameterName=self.INSTITUTIONS,
                optional=True,
            )
        )
        add(
            QgsProcessingParameterField(
                self.INSTITUTION_NAME_FIELD,
                "Institution name field",
                parentLayerParameterName=self.INSTITUTIONS,
                optional=True,
            )
        )
        add(_enum(self.SIZE_MEASURE, "Size measure", self.MEASURES))
        add(_enum(self.INDUSTRY_LEVEL, "CNAE level analysed", self.LEVELS, 1))
        add(
            _help(
                _enum(self.REFERENCE_AREA, "Reference area", self.AREAS),
                "study_area: one reference for all municipalities; state: each "
                "state its own (LPS never cross a state border); both: one "
                "result per reference area.",
            )
        )
        add(
            _advanced(
                _enum(
                    self.DENOMINATOR,
                    "Denominator (E_j and E)",
                    self.DENOMINATORS,
                )
            )
        )
        add(
            _advanced(
                _help(
                    QgsProcessingParameterString(
                        self.INDUSTRIES, "Industries analysed", "all"
                    ),
                    "all, manufacturing (CNAE divisions 10-33) or a "
                    "comma-separated list of industry codes.",
                )
            )
        )
        add(_advanced(_enum(self.WEIGHTS, "Spatial weights", self.WEIGHT_KINDS)))
        add(
            _advanced(
                QgsProcessingParameterNumber(
                    self.K, "Neighbours (knn only)", defaultValue=6, minValue=1
                )
            )
        )
        add(
            _advanced(
                QgsProcessingParameterNumber(
                    self.THRESHOLD,
                    "Distance band in metres (distance_band only)",
                    type=QgsProcessingParameterNumber.Double,
                    defaultValue=50000,
                    minValue=0,
                )
            )
        )
        add(
            _advanced(
                _help(
                    _enum(self.VARIABLE, "Analysed variable", self.VARIABLES),
                    "ql, share_region, log_ql = log(1 + QL), eb_ql = "
                    "empirical-Bayes smoothed QL (tiny towns cannot dominate).",
                )
            )
        )
        add(
            _help(
                QgsProcessingParameterNumber(
                    self.PERMUTATIONS,
                    "Permutations (-1 = sequential, auto)",
                    defaultValue=-1,
                    minValue=-1,
                    maxValue=999999,
                ),
                "-1 (default): sequential permutations, 999 for every test and "
                "more where the corrected decision needs them, up to 2 m / alpha "
                "for m regions; a number R: fixed permutations (smallest "
                "two-sided p 2/(R+1)); 0: analytical p-values only.",
            )
        )
        add(
            _advanced(
                QgsProcessingParameterNumber(
                    self.SEED, "Random seed", defaultValue=12345, minValue=0
                )
            )
        )
        add(
            _advanced(
                QgsProcessingParameterNumber(
                    self.ALPHA,
                    "Significance level",
                    type=QgsProcessingParameterNumber.Double,
                    defaultValue=0.05,
                    minValue=0.0001,
                    maxValue=0.5,
                )
            )
        )
        add(
            _advanced(
                _enum(self.CORRECTION, "Multiple-testing correction", self.CORRECTIONS)
            )
        )
        add(
            _advanced(
                QgsProcessingParameterNumber(
                    self.CAPABILITY_DISTANCE,
                    "Capability distance in metres (institutions)",
                    type=QgsProcessingParameterNumber.Double,
                    defaultValue=50000,
                    minValue=1,
                )
            )
        )
        add(
            _advanced(
                QgsProcessingParameterBoolean(
                    self.SURFACES,
                    "Kernel-density rasters (institutions)",
                    defaultValue=True,
                )
            )
        )
        add(_enum(self.LANG, "Language of labels and maps", self.LANGS))
        add(
            _advanced(
                QgsProcessingParameterString(
                    self.FOCUS_INDUSTRY,
                    "Industry in focus of the maps (CNAE code; empty: automatic)",
                    optional=True,
                )
            )
        )
        add(QgsProcessingParameterBoolean(self.MAPS, "Draw PNG maps", True))
        add(QgsProcessingParameterBoolean(self.ATLAS, "Build the PDF atlas", True))
        add(
            QgsProcessingParameterBoolean(
                self.OVERWRITE, "Replace the output folder if it exists", False
            )
        )
        add(QgsProcessingParameterFolderDestination(self.OUTPUT, "Output folder"))
        self.addOutput(QgsProcessingOutputFile("GEOPACKAGE", "Result GeoPackage"))
        self.addOutput(QgsProcessingOutputFile("REPORT", "Run report (JSON)"))
        self.addOutput(QgsProcessingOutputVectorLayer("LPS", "LPS"))
        self.addOutput(
            QgsProcessingOutputVectorLayer("MUNICIPALITIES", "Municipalities")
        )
        self.addOutput(QgsProcessingOutputNumber("N_LPS", "Number of LPS"))

    # -- helpers

    def _field(self, parameters, name, context) -> str | None:
        fields = self.parameterAsFields(parameters, name, context)
        return fields[0] if fields else None

    def _choice(self, parameters, name, options, context) -> str:
        return options[self.parameterAsEnum(parameters, name, context)]

    def processAlgorithm(self, parameters, context, feedback):
        feedback = self._feedback(feedback)
        work = Path(tempfile.mkdtemp(prefix="lps_geo_qgis_"))
        try:
            cfg = self._config(parameters, context, feedback, work)
            cfg_path = work / "config.toml"
            cfg_path.write_text(runner.to_toml(cfg), encoding="utf-8")
            out = Path(self.parameterAsFileOutput(parameters, self.OUTPUT, context))
            args = ["run", cfg_path, "--out", out]
            if self.parameterAsBoolean(parameters, self.OVERWRITE, context):
                args.append("--overwrite")
            out_cfg = cfg["output"]
            share = 0.3 if out_cfg["maps"] and out_cfg["atlas"] else 0.0
            run_lps_geo(args, feedback, atlas_share=share)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return self._load_results(out, context, feedback)

    def _config(self, parameters, context, feedback, work: Path) -> dict:
        """Export the inputs into ``work`` and build the configuration."""
        p, c = parameters, context
        muni = self.parameterAsSource(p, self.MUNICIPALITIES, c)
        if muni is None:
            raise QgsProcessingException(
                self.invalidSourceError(p, self.MUNICIPALITIES)
            )
        code = self._field(p, self.CODE_FIELD, c)
        if not code:
            raise QgsProcessingException("choose the municipality code field")
        name = self._field(p, self.NAME_FIELD, c)
        pop = self._field(p, self.POPULATION_FIELD, c)
        keep = [f for f in dict.fromkeys([code, name, pop]) if f]
        feedback.pushInfo(f"Exporting {muni.featureCount()} municipalities")
        muni_path = export_source(
            muni, keep, work / "municipalities.gpkg", "municipalities", c, feedback
        )
        boundaries = {
            "path": str(muni_path),
            "layer": "municipalities",
            "code_column": code,
            # lps_geo treats name_column == code_column as "no names"
            "name_column": name or code,
            "population_column": pop,
        }
        size = self._size_input(p, c, feedback, work)
        inputs = {"boundaries": boundaries, "size": size}
        cnae = self.parameterAsFile(p, self.CNAE, c)
        if cnae:
            inputs = {"cnae": cnae, **inputs}
        inst = self.parameterAsSource(p, self.INSTITUTIONS, c)
        if inst is not None:
            kind = self._field(p, self.INSTITUTION_TYPE_FIELD, c)
            if not kind:
                raise QgsProcessingException(
                    "choose the institution type field of the institutions layer"
                )
            label = self._field(p, self.INSTITUTION_NAME_FIELD, c)
            fields = [f for f in dict.fromkeys([kind, label]) if f]
            inst_path = export_source(
                inst, fields, work / "institutions.gpkg", "institutions", c, feedback
            )
            inputs["institutions"] = {
                "path": str(inst_path),
                "layer": "institutions",
                "format": "points",
                "type_column": kind,
                "name_column": label or kind,
            }
        industries = (self.parameterAsString(p, self.INDUSTRIES, c) or "all").strip()
        if industries not in ("all", "manufacturing"):
            industries = [s.strip() for s in industries.split(",") if s.strip()]
        weights = self._choice(p, self.WEIGHTS, self.WEIGHT_KINDS, c)
        statistics = {
            "weights": weights,
            "k": self.parameterAsInt(p, self.K, c),
            "threshold": (
                self.parameterAsDouble(p, self.THRESHOLD, c)
                if weights == "distance_band"
                else None
            ),
            "variable": self._choice(p, self.VARIABLE, self.VARIABLES, c),
            "permutations": _permutations(self.parameterAsInt(p, self.PERMUTATIONS, c)),
            "seed": self.parameterAsInt(p, self.SEED, c),
            "alpha": self.parameterAsDouble(p, self.ALPHA, c),
            "correction": self._choice(p, self.CORRECTION, self.CORRECTIONS, c),
        }
        maps = self.parameterAsBoolean(p, self.MAPS, c)
        focus = (self.parameterAsString(p, self.FOCUS_INDUSTRY, c) or "").strip()
        return {
            "inputs": inputs,
            "analysis": {
                "size_measure": self._choice(p, self.SIZE_MEASURE, self.MEASURES, c),
                "industry_level": self._choice(p, self.INDUSTRY_LEVEL, self.LEVELS, c),
                "reference_area": self._choice(p, self.REFERENCE_AREA, self.AREAS, c),
                "denominator": self._choice(p, self.DENOMINATOR, self.DENOMINATORS, c),
                "industries": industries,
            },
            "statistics": statistics,
            "capability": {
                "distance": self.parameterAsDouble(p, self.CAPABILITY_DISTANCE, c),
                "surfaces": self.parameterAsBoolean(p, self.SURFACES, c),
            },
            "output": {
                "maps": maps,
                "atlas": maps and self.parameterAsBoolean(p, self.ATLAS, c),
                "lang": self._choice(p, self.LANG, self.LANGS, c),
                "focus_industry": focus or None,
            },
        }

    def _size_input(self, p, c, feedback, work: Path) -> dict:
        table = self.parameterAsSource(p, self.TABLE, c)
        path = self.parameterAsFile(p, self.TABLE_FILE, c)
        if (table is None) == (not path):
            raise QgsProcessingException(
                "give the employment table either as a layer or as a file (not both)"
            )
        if table is not None:
            path = table_file(
                self.parameterAsVectorLayer(p, self.TABLE, c), p[self.TABLE]
            )
            if path:
                # lps_geo reads the file itself: codes stay text ("31.0", "01")
                feedback.pushInfo(f"Reading the table from its file {path}")
            else:
                feedback.pushInfo(f"Exporting {table.featureCount()} table rows")
                path = str(export_table(table, work / "size.csv", feedback))
        form = self._choice(p, self.TABLE_FORM, self.FORMS, c)
        size = {
            "path": path,
            "form": form,
            "region_column": self.parameterAsString(p, self.REGION_COLUMN, c),
        }
        if form == "long":
            size.update(
                industry_column=self.parameterAsString(p, self.INDUSTRY_COLUMN, c),
                employment_column=self.parameterAsString(p, self.EMPLOYMENT_COLUMN, c),
                establishments_column=self.parameterAsString(
                    p, self.ESTABLISHMENTS_COLUMN, c
                ),
            )
        else:
            size["measure"] = self._choice(p, self.WIDE_MEASURE, self.MEASURES, c)
        return size


def export_source(source, field_names, path: Path, layer_name, context, feedback):
    """Write some fields of a feature source to a new GeoPackage layer."""
    fields = QgsFields()
    index = []
    for name in field_names:
        i = source.fields().lookupField(name)
        if i < 0:
            raise QgsProcessingException(f"field {name!r} not found in the layer")
        fields.append(source.fields().at(i))
        index.append(i)
    wkb = source.wkbType()
    polygons = QgsWkbTypes.geometryType(wkb) == QgsWkbTypes.PolygonGeometry
    if polygons:
        wkb = QgsWkbTypes.multiType(wkb)
    save_options = QgsVectorFileWriter.SaveVectorOptions()
    save_options.driverName = "GPKG"
    save_options.layerName = layer_name
    save_options.fileEncoding = "UTF-8"
    writer = QgsVectorFileWriter.create(
        str(path),
        fields,
        wkb,
        source.sourceCrs(),
        context.transformContext(),
        save_options,
    )
    if writer.hasError() != QgsVectorFileWriter.NoError:
        raise QgsProcessingException(f"cannot write {path}: {writer.errorMessage()}")
    request = QgsFeatureRequest().setSubsetOfAttributes(index)
    for feature in source.getFeatures(request):
        if feedback.isCanceled():
            break
        out = QgsFeature(fields)
        geom = feature.geometry()
        if polygons and not geom.isNull():
            geom.convertToMultiType()
        out.setGeometry(geom)
        out.setAttributes([feature.attribute(i) for i in index])
        if not writer.addFeature(out):
            raise QgsProcessingException(
                f"cannot write {path}: {writer.errorMessage()}"
            )
    del writer
    if feedback.isCanceled():
        raise QgsProcessingException("cancelled")
    return path


TABLE_SUFFIXES = (".csv", ".xlsx", ".xls", ".parquet")


def table_file(layer, value) -> str | None:
    """The file behind a table layer when lps_geo can read it unchanged.

    A CSV (comma or semicolon), Excel or Parquet file used whole (no filter,
    not "selected features only") is passed to lps-geo as it is, so codes keep
    their text: a delimited-text layer with detected types would otherwise
    turn CNAE group "31.0" into a number.
    """
    if layer is None or layer.subsetString():
        return None
    if isinstance(value, QgsProcessingFeatureSourceDefinition) and (
        value.selectedFeaturesOnly or value.featureLimit != -1
    ):
        return None
    provider = layer.providerType()
    if provider == "delimitedtext":
        url = QUrl(layer.source())
        delimiter = QUrlQuery(url).queryItemValue("delimiter") or ","
        if url.hasQuery() and "type=regexp" in url.query():
            return None
        path = url.toLocalFile()
        if delimiter not in (",", ";"):
            return None
    elif provider == "ogr":
        parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
        path = parts.get("path") or ""
    else:
        return None
    if Path(path).suffix.lower() in TABLE_SUFFIXES and Path(path).is_file():
        return path
    return None


def _cell(value) -> str:
    """A table value as CSV text: NULL empty, numbers as Python writes them."""
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return ""
    if hasattr(value, "toString") and not isinstance(value, str):
        return value.toString()
    return str(value)


def export_table(source, path: Path, feedback) -> Path:
    """Write the attributes of a feature source (a table layer) to CSV."""
    names = source.fields().names()
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for feature in source.getFeatures(request):
            if feedback.isCanceled():
                raise QgsProcessingException("cancelled")
            writer.writerow([_cell(v) for v in feature.attributes()])
    return path


# ------------------------------------------------------------------ rebuild


class RebuildMapsAtlas(_Base):
    """``lps-geo maps`` and ``lps-geo atlas`` on a result GeoPackage."""

    RESULT = "RESULT"
    MAPS = "MAPS"
    ATLAS = "ATLAS"
    INDUSTRY = "INDUSTRY"
    ALL_INDUSTRIES = "ALL_INDUSTRIES"
    FORMATS = "FORMATS"
    PAGE_SIZE = "PAGE_SIZE"
    LANG = "LANG"
    ATLAS_TYPES = "ATLAS_TYPES"
    ATLAS_INDUSTRIES = "ATLAS_INDUSTRIES"
    ATLAS_STATES = "ATLAS_STATES"
    OVERWRITE = "OVERWRITE"
    OUTPUT = "OUTPUT"

    FORMAT_NAMES = options.MAP_FORMATS
    PAGE_SIZES = options.PAGE_SIZES
    LANGS = ("the run's language", *options.LANGS_PT_FIRST)

    def name(self):
        return "rebuild_maps_atlas"

    def displayName(self):
        return "Rebuild maps and atlas from a result GeoPackage"

    def shortHelpString(self):
        return (
            "Draws the static maps and the PDF atlas of a result.gpkg written "
            "by lps_geo, without recomputing the analysis (lps-geo maps and "
            "lps-geo atlas). Maps go to OUTPUT/maps/, the atlas to "
            "OUTPUT/atlas.pdf. The atlas can be limited to LPS types, "
            "industries (CNAE codes) and states (UF codes)."
        )

    def initAlgorithm(self, config=None):
        add = self.addParameter
        add(
            QgsProcessingParameterFile(
                self.RESULT,
                "Result GeoPackage (result.gpkg)",
                fileFilter="GeoPackage (*.gpkg *.GPKG)",
            )
        )
        add(QgsProcessingParameterBoolean(self.MAPS, "Draw the maps", True))
        add(QgsProcessingParameterBoolean(self.ATLAS, "Build the PDF atlas", True))
        add(
            QgsProcessingParameterString(
                self.INDUSTRY,
                "Industry in focus (CNAE code; empty: the run's)",
                optional=True,
            )
        )
        add(
            QgsProcessingParameterBoolean(
                self.ALL_INDUSTRIES, "Also map every other industry", False
            )
        )
        add(
            _enum(
                self.FORMATS,
                "Map formats",
                self.FORMAT_NAMES,
                default=[0],
                multiple=True,
            )
        )
        add(_enum(self.PAGE_SIZE, "Page size", self.PAGE_SIZES))
        add(_enum(self.LANG, "Language", self.LANGS))
        add(
            _enum(
                self.ATLAS_TYPES,
                "Atlas: only these LPS types",
                LPS_TYPES,
                default=None,
                optional=True,
                multiple=True,
            )
        )
        add(
            QgsProcessingParameterString(
                self.ATLAS_INDUSTRIES,
                "Atlas: only these industries (comma-separated CNAE codes)",
                optional=True,
            )
        )
        add(
            QgsProcessingParameterString(
                self.ATLAS_STATES,
                "Atlas: only these states (comma-separated UF codes)",
                optional=True,
            )
        )
        add(
            QgsProcessingParameterBoolean(
                self.OVERWRITE, "Replace existing maps and atlas", False
            )
        )
        add(QgsProcessingParameterFolderDestination(self.OUTPUT, "Output folder"))
        self.addOutput(QgsProcessingOutputFolder("MAPS_FOLDER", "Maps folder"))
        self.addOutput(QgsProcessingOutputFile("ATLAS_PDF", "Atlas (PDF)"))
        self.addOutput(QgsProcessingOutputNumber("N_MAPS", "Number of map files"))

    def processAlgorithm(self, parameters, context, feedback):
        p, c = parameters, context
        feedback = self._feedback(feedback)
        gpkg = self.parameterAsFile(p, self.RESULT, c)
        out = Path(self.parameterAsFileOutput(p, self.OUTPUT, c))
        lang = self.LANGS[self.parameterAsEnum(p, self.LANG, c)]
        common = [
            "--page-size",
            self.PAGE_SIZES[self.parameterAsEnum(p, self.PAGE_SIZE, c)],
        ]
        if lang in ("pt", "en"):
            common += ["--lang", lang]
        if self.parameterAsBoolean(p, self.OVERWRITE, c):
            common.append("--overwrite")
        want_maps = self.parameterAsBoolean(p, self.MAPS, c)
        want_atlas = self.parameterAsBoolean(p, self.ATLAS, c)
        if not (want_maps or want_atlas):
            raise QgsProcessingException("nothing to do: check maps and/or atlas")
        results = {"OUTPUT": str(out)}
        if want_maps:
            formats = [
                self.FORMAT_NAMES[i] for i in self.parameterAsEnums(p, self.FORMATS, c)
            ] or ["png"]
            args = ["maps", gpkg, "--out", out / "maps", "--format", ",".join(formats)]
            industry = (self.parameterAsString(p, self.INDUSTRY, c) or "").strip()
            if industry:
                args += ["--industry", industry]
            if self.parameterAsBoolean(p, self.ALL_INDUSTRIES, c):
                args.append("--all-industries")
            feedback.setProgressText("maps")
            written = run_lps_geo(args + common, feedback)
            written = [w for w in written if w.strip()]
            for w in written:
                feedback.pushInfo(w)
            results.update(MAPS_FOLDER=str(out / "maps"), N_MAPS=len(written))
            feedback.setProgress(50 if want_atlas else 100)
        if want_atlas:
            if feedback.isCanceled():
                raise QgsProcessingException("cancelled")
            args = ["atlas", gpkg, "--out", out / "atlas.pdf"]
            for i in self.parameterAsEnums(p, self.ATLAS_TYPES, c):
                args += ["--type", LPS_TYPES[i]]
            for key, flag in (
                (self.ATLAS_INDUSTRIES, "--industry"),
                (self.ATLAS_STATES, "--state"),
            ):
                for code in (self.parameterAsString(p, key, c) or "").split(","):
                    if code.strip():
                        args += [flag, code.strip()]
            run_lps_geo(args + common, feedback, atlas_share=0.5 if want_maps else 1.0)
            results["ATLAS_PDF"] = str(out / "atlas.pdf")
        return results


# --------------------------------------------------------------------- demo


class RunDemo(_Base):
    """``lps-geo demo``: the embedded synthetic demo state."""

    LANG = "LANG"
    MAPS = "MAPS"
    OVERWRITE = "OVERWRITE"
    OUTPUT = "OUTPUT"
    LANGS = options.LANGS_PT_FIRST

    def name(self):
        return "run_demo"

    def displayName(self):
        return "Run the demo"

    def shortHelpString(self):
        return (
            "Runs lps_geo's whole method on its embedded demo data (a "
            "synthetic state with planted clusters), as `lps-geo demo`, and "
            "loads the styled LPS and municipalities layers. Needs lps_geo "
            "installed from a source checkout (the demo data ship with it) or "
            "LPS_GEO_DEMO_DIR set. Takes about 10-20 s."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(_enum(self.LANG, "Language of labels and maps", self.LANGS))
        self.addParameter(
            QgsProcessingParameterBoolean(self.MAPS, "Draw maps and atlas", True)
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                self.OVERWRITE, "Replace the output folder if it exists", False
            )
        )
        self.addParameter(
            QgsProcessingParameterFolderDestination(self.OUTPUT, "Output folder")
        )
        self.addOutput(QgsProcessingOutputFile("GEOPACKAGE", "Result GeoPackage"))
        self.addOutput(QgsProcessingOutputFile("REPORT", "Run report (JSON)"))
        self.addOutput(QgsProcessingOutputVectorLayer("LPS", "LPS"))
        self.addOutput(
            QgsProcessingOutputVectorLayer("MUNICIPALITIES", "Municipalities")
        )
        self.addOutput(QgsProcessingOutputNumber("N_LPS", "Number of LPS"))

    def processAlgorithm(self, parameters, context, feedback):
        feedback = self._feedback(feedback)
        out = Path(self.parameterAsFileOutput(parameters, self.OUTPUT, context))
        lang = self.LANGS[self.parameterAsEnum(parameters, self.LANG, context)]
        args = ["demo", "--out", out, "--lang", lang]
        maps = self.parameterAsBoolean(parameters, self.MAPS, context)
        if not maps:
            args.append("--no-maps")
        if self.parameterAsBoolean(parameters, self.OVERWRITE, context):
            args.append("--overwrite")
        run_lps_geo(args, feedback, atlas_share=0.3 if maps else 0.0)
        return self._load_results(out, context, feedback)


ALGORITHMS = (RunAnalysis, RebuildMapsAtlas, RunDemo)

__all__ = ["ALGORITHMS", "RebuildMapsAtlas", "RunAnalysis", "RunDemo"]
