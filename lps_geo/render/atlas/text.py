"""The bilingual prose of the atlas: page texts, setting phrases, the methods text.

Numbers are formatted in the page's language (:func:`fmt`, :func:`pct`); the
methods page is written from the run's settings (:mod:`.run_info`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from lps_geo.render.atlas.run_info import MethodSettings

if TYPE_CHECKING:  # pragma: no cover
    from lps_geo.result import Result

#: Texts of the atlas pages, by language.
TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "atlas": "Local production systems atlas",
        "subtitle": "Industrial clusters identified and classified after "
        "Suzigan, Furtado & Garcia (2006)",
        "study_area": "Study area",
        "municipalities": "municipalities",
        "areas": "analysis areas",
        "state": "state",
        "states": "states",
        "run_of": "Run of",
        "unknown_date": "unknown date",
        "source": "Source",
        "lps_by_type": "Local production systems by type",
        "total": "Total",
        "selection": "This atlas: {k} of {n} LPS ({what})",
        "filtered_by": "filtered by",
        "filter_names": {
            "industries": "industries",
            "types": "types",
            "states": "states",
        },
        "all_lps": "all LPS",
        "contents": "Contents",
        "contents_cont": "Contents (continued)",
        "page": "Page",
        "lps": "Local production system",
        "industry": "Industry",
        "type": "Type",
        "methods": "Methods",
        "overview": "Overview maps",
        "no_lps": "No local production system was found in this run.",
        "page_of": "page {n} of {m}",
        "front": "Front matter",
        "members": "Members",
        "more": "and {k} more",
        "indicators": "Indicators",
        "employment": "Employment (jobs)",
        "establishments": "Establishments",
        "ql": "Location quotient (QL)",
        "share_industry": "Share of the industry",
        "share_region": "Share of the region's activity",
        "n_members": "Member areas",
        "gini": "Locational Gini of the industry",
        "high_high": "Members in LISA High-High",
        "hot_spots": "Members in Gi* hot spots",
        "hotspot_members": "Members added as hot spots",
        "chart": "Position in the typology of {industry}",
        "chart_x": "Share of the industry",
        "chart_y": "Location quotient (log scale)",
        "this_lps": "this LPS",
        "other_industries": "other industries",
        "capability": "Support institutions",
        "cap_type": "Type",
        "inside": "inside",
        "within": "within\n{d} km",
        "nearest": "nearest\n(km)",
        "cap_index": "Capability index (z-score scale)",
        "cap_test": "Institutions ≤ {d} km: {obs} observed, {exp} expected "
        "by chance; one-sided p = {p} ({p_adj} after correction over the LPS)",
        "no_capability": "The run had no institutions layer, so no capability "
        "measures are available.",
        "no_cap_row": "No capability measures for this LPS.",
        "innovation": "Innovation outputs linked to division {division}",
        "inno_members": "members",
        "inno_per_100k": "per 100,000 inh.",
        "inno_mean": "per member",
        "inno_chance": "chance",
        "inno_p": "p adj.",
        "guidelines": "Policy guidelines — {label}",
        "after": "After",
        "legend_members": "LPS members",
        "legend_others": "Other municipalities",
        "legend_radius": "{d} km from the LPS",
        "map_title": "Location",
        "overview_industries": "LPS by industry",
        "more_industries": "… and {k} more industries with LPS (see the contents)",
        "n_lps": "LPS",
        "no_institutions": "No support institutions were given for this run.",
        "structure": "Production structure",
        "no_structure_row": "No production-structure measures for this LPS.",
        "bar_establishments": "Establishments",
        "bar_jobs": "Jobs",
        "size_key": "jobs (SEBRAE)",
        "mean_size": "Jobs per establishment",
        "relative_size": "Relative size",
        "lead": "Leads (≥ {n} jobs)",
        "lead_share": "Leads' share of jobs",
        "cr4": "CR4 (jobs)",
        "hhi": "Herfindahl",
        "times": "{x} ×",
        "related": "Related industries in the members",
        "no_related": "No related industry is specialised in the members.",
        "rel_headers": ("relatedness", "QL", "% of\njobs"),
        "rel_headers_est": ("relatedness", "QL", "% of\nestabl."),
        "density": "Relatedness density (0–100)",
        "suppliers": "Main suppliers",
        "no_suppliers": "no supplier industry in the run",
    },
    "pt": {
        "atlas": "Atlas de arranjos produtivos locais",
        "subtitle": "Aglomerações industriais identificadas e classificadas "
        "segundo Suzigan, Furtado & Garcia (2006)",
        "study_area": "Área de estudo",
        "municipalities": "municípios",
        "areas": "áreas de análise",
        "state": "UF",
        "states": "UFs",
        "run_of": "Processamento de",
        "unknown_date": "data desconhecida",
        "source": "Fonte",
        "lps_by_type": "Arranjos produtivos locais por tipo",
        "total": "Total",
        "selection": "Este atlas: {k} de {n} APLs ({what})",
        "filtered_by": "filtrados por",
        "filter_names": {"industries": "atividades", "types": "tipos", "states": "UFs"},
        "all_lps": "todos os APLs",
        "contents": "Sumário",
        "contents_cont": "Sumário (continuação)",
        "page": "Página",
        "lps": "Arranjo produtivo local",
        "industry": "Atividade",
        "type": "Tipo",
        "methods": "Métodos",
        "overview": "Mapas gerais",
        "no_lps": "Nenhum arranjo produtivo local foi encontrado neste processamento.",
        "page_of": "página {n} de {m}",
        "front": "Parte inicial",
        "members": "Membros",
        "more": "e mais {k}",
        "indicators": "Indicadores",
        "employment": "Emprego (vínculos)",
        "establishments": "Estabelecimentos",
        "ql": "Quociente locacional (QL)",
        "share_industry": "Participação na atividade",
        "share_region": "Participação na economia local",
        "n_members": "Áreas membros",
        "gini": "Gini locacional da atividade",
        "high_high": "Membros em LISA Alto-Alto",
        "hot_spots": "Membros em pontos quentes Gi*",
        "hotspot_members": "Membros incluídos como pontos quentes",
        "chart": "Posição na tipologia de {industry}",
        "chart_x": "Participação na atividade",
        "chart_y": "Quociente locacional (escala log)",
        "this_lps": "este APL",
        "other_industries": "outras atividades",
        "capability": "Instituições de apoio",
        "cap_type": "Tipo",
        "inside": "dentro",
        "within": "até\n{d} km",
        "nearest": "mais próx.\n(km)",
        "cap_index": "Índice de capacitação (escala z)",
        "cap_test": "Instituições a ≤ {d} km: {obs} observadas, {exp} "
        "esperadas ao acaso; p unilateral = {p} ({p_adj} após a correção "
        "entre os APL)",
        "no_capability": "O processamento não teve camada de instituições; não "
        "há medidas de capacitação.",
        "no_cap_row": "Sem medidas de capacitação para este APL.",
        "innovation": "Resultados de inovação ligados à divisão {division}",
        "inno_members": "membros",
        "inno_per_100k": "por 100 mil hab.",
        "inno_mean": "por membro",
        "inno_chance": "acaso",
        "inno_p": "p corr.",
        "guidelines": "Diretrizes de política — {label}",
        "after": "Segundo",
        "legend_members": "Membros do APL",
        "legend_others": "Outros municípios",
        "legend_radius": "{d} km do APL",
        "map_title": "Localização",
        "overview_industries": "APLs por atividade",
        "more_industries": "… e mais {k} atividades com APLs (ver o sumário)",
        "n_lps": "APLs",
        "no_institutions": "Nenhuma instituição de apoio foi informada neste "
        "processamento.",
        "structure": "Estrutura produtiva",
        "no_structure_row": "Sem medidas de estrutura produtiva para este APL.",
        "bar_establishments": "Estabelecimentos",
        "bar_jobs": "Empregos",
        "size_key": "empregos (SEBRAE)",
        "mean_size": "Empregos por estab.",
        "relative_size": "Tamanho relativo",
        "lead": "Líderes (≥ {n} empr.)",
        "lead_share": "Emprego nos líderes",
        "cr4": "CR4 (emprego)",
        "hhi": "Herfindahl",
        "times": "{x} ×",
        "related": "Atividades relacionadas nos membros",
        "no_related": "Nenhuma atividade relacionada é especializada nos membros.",
        "rel_headers": ("relaciona-\nmento", "QL", "% do\nemprego"),
        "rel_headers_est": ("relaciona-\nmento", "QL", "% dos\nestabel."),
        "density": "Densidade de relacionamento (0–100)",
        "suppliers": "Principais fornecedores",
        "no_suppliers": "nenhuma atividade fornecedora no processamento",
    },
}


def fmt(value: Any, decimals: int, lang: str) -> str:
    """A number with thousands separators in the page's language; "–" if NaN.

    >>> fmt(12345.678, 1, "en"), fmt(12345.678, 1, "pt"), fmt(float("nan"), 0, "en")
    ('12,345.7', '12.345,7', '–')
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "–"
    text = f"{x:,.{decimals}f}"
    if lang == "pt":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def pct(value: Any, lang: str, decimals: int = 1) -> str:
    """A share as a percentage in the page's language; "–" if NaN.

    >>> pct(0.1234, "pt"), pct(None, "en")
    ('12,3 %', '–')
    """
    try:
        x = float(value) * 100
    except (TypeError, ValueError):
        return "–"
    return "–" if not math.isfinite(x) else f"{fmt(x, decimals, lang)} %"


#: Plain-words phrases for the run's settings, by setting and value:
#: (English, Portuguese). ``{k}`` is the number of neighbours.
PHRASES: dict[str, dict[str, tuple[str, str]]] = {
    "size_measure": {
        "employment": ("employment (jobs)", "emprego (vínculos)"),
        "establishments": ("establishments", "estabelecimentos"),
    },
    "industry_level": {
        "class": ("class", "classe"),
        "group": ("group", "grupo"),
        "division": ("division", "divisão"),
    },
    "unit": {
        "municipality": ("municipalities", "municípios"),
        "group": (
            "groups of municipalities (e.g. microregions)",
            "grupos de municípios (p. ex. microrregiões)",
        ),
    },
    "reference_area": {
        "study_area": ("the whole study area", "toda a área de estudo"),
        "state": ("each area's state", "a UF de cada área"),
    },
    "denominator": {
        "all": ("all activities", "todas as atividades"),
        "manufacturing": (
            "manufacturing (CNAE divisions 10-33)",
            "indústria de transformação (divisões CNAE 10-33)",
        ),
    },
    "weights": {
        "queen": (
            "areas sharing a border or a corner (queen contiguity)",
            "áreas que compartilham fronteira ou vértice (contiguidade rainha)",
        ),
        "rook": (
            "areas sharing a border (rook contiguity)",
            "áreas que compartilham fronteira (contiguidade torre)",
        ),
        "knn": ("the {k} nearest areas", "as {k} áreas mais próximas"),
        "distance_band": (
            "areas within a fixed distance",
            "áreas a até uma distância fixa",
        ),
    },
    "islands": {
        "attach": (
            "areas without a neighbour are linked to the nearest area",
            "áreas sem vizinhos são ligadas à área mais próxima",
        ),
        "drop": (
            "areas without a neighbour are left out of the statistics",
            "áreas sem vizinhos ficam fora das estatísticas",
        ),
        "keep": (
            "areas without a neighbour are kept as isolates",
            "áreas sem vizinhos são mantidas isoladas",
        ),
    },
    "mode": {
        "contiguous": (
            "neighbouring candidates of one industry are merged into one LPS",
            "candidatos vizinhos de uma mesma atividade formam um só APL",
        ),
        "unit": (
            "every candidate area is an LPS of its own",
            "cada área candidata é um APL",
        ),
    },
}


def phrase(setting: str, value: Any, lang: str, **fields: Any) -> str:
    """The plain-words phrase of a setting's value (the value itself if unknown)."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    pair = PHRASES[setting].get(str(value))
    if pair is None:
        return str(value)
    return pair[lang == "pt"].format(**fields)


def characterisation_text(
    result: Result, lang: str, supplier_distance_m: float | None = None
) -> str:
    """How to read the production-structure and related-industries sections.

    Worded for the tables the result has (a sentence ending with a space, or
    "" when there is nothing to read).
    """
    pt = lang == "pt"
    parts = []
    if getattr(result, "lps_structure", None) is not None:
        parts.append(
            "A estrutura produtiva reparte estabelecimentos e empregos pelos "
            "portes do SEBRAE (micro a grande) e a classifica segundo Storper & "
            "Harrison (1991): empresa líder, núcleo-anel ou pequenas empresas; "
            "traz ainda os estabelecimentos líderes, a parcela do emprego nos "
            "quatro maiores (CR4) e o índice de Herfindahl entre "
            "estabelecimentos."
            if pt
            else "The production structure splits the establishments and the "
            "jobs by SEBRAE size class (micro to large) and names the structure "
            "after Storper & Harrison (1991): lead firm, core and ring, or small "
            "firms, with the lead establishments, the share of the jobs in the "
            "four largest (CR4) and the Herfindahl index among establishments."
        )
    else:
        parts.append(
            "A estrutura produtiva requer microdados de estabelecimentos da "
            "RAIS, que este processamento não leu."
            if pt
            else "A production structure needs RAIS establishment microdata, "
            "which this run did not read."
        )
    if getattr(result, "lps_related", None) is not None:
        parts.append(
            "As atividades relacionadas são as que costumam se especializar "
            "nos mesmos lugares que a do APL e estão especializadas nos "
            "membros, das mais às menos relacionadas, com sua participação no "
            "tamanho dos membros; a densidade de relacionamento (0-100) é a "
            "parcela do relacionamento da atividade que recai sobre atividades "
            "especializadas nos membros."
            if pt
            else "Related industries are those that tend to be specialised in "
            "the same places as the LPS's industry and are specialised in its "
            "members, strongest first, with their share of the members' size; "
            "the relatedness density (0-100) is the part of the industry's "
            "relatedness that falls on industries specialised in the members."
        )
    if getattr(result, "lps_suppliers", None) is not None:
        d = fmt((supplier_distance_m or 0) / 1000, 0, lang)
        near = f" (≤ {d} km)" if supplier_distance_m else ""
        parts.append(
            "Os principais fornecedores vêm da matriz insumo-produto do IBGE e "
            f"estão presentes nos membros, nas proximidades{near} ou ausentes."
            if pt
            else "The main suppliers come from IBGE's input-output table and "
            f"are present in the members, nearby{near} or absent."
        )
    return " ".join(parts) + " " if parts else ""


def methods_text(
    result: Result,
    settings: MethodSettings,
    lang: str,
    thresholds: dict[str, float],
    cap_distance_m: float | None,
    supplier_distance_m: float | None = None,
) -> list[tuple[str, str]]:
    """(heading, paragraph) pairs describing how the run was made.

    Worded from the run's settings (:func:`.run_info.method_settings`), the
    typology thresholds and capability radius of the atlas, and the result's
    layers.
    """
    pt = lang == "pt"
    n_mun = len(result.municipalities)
    n_ind = len(result.industries)
    crs = result.municipalities.crs
    crs_name = crs.name if crs is not None else settings.crs
    measure_t = phrase("size_measure", settings.size_measure, lang)
    level = phrase("industry_level", settings.industry_level, lang)
    unit_t = phrase("unit", settings.unit, lang)
    reference_t = phrase("reference_area", settings.reference_area, lang)
    denominator = phrase("denominator", settings.denominator, lang)
    files = settings.input_files
    inst_path = settings.institutions_file
    n_inst = 0 if result.institutions is None else len(result.institutions)

    share_min = pct(thresholds["share_min"], lang, 0)
    share_high = pct(thresholds["share_high"], lang, 0)
    ql_min = fmt(thresholds["ql_min"], 1, lang)
    ql_high = fmt(thresholds["ql_high"], 1, lang)
    min_est = settings.min_establishments
    gini_min = settings.gini_min
    mode_t = phrase("mode", settings.delineation_mode, lang)
    use_hot = settings.use_hotspots
    hot_ql = fmt(settings.hotspot_ql_min, 1, lang)
    weights_t = phrase("weights", settings.weights, lang, k=settings.k)
    islands_t = phrase("islands", settings.islands, lang)
    variable_desc = settings.variable_description
    inference = settings.inference
    d_km = fmt((cap_distance_m or 0) / 1000, 0, lang)
    cap_perm = settings.permutations
    reading_ch = characterisation_text(result, lang, supplier_distance_m)

    if not pt:
        sections = [
            (
                "What this atlas shows",
                "Local production systems (LPS) are places where the firms of one "
                "industry gather in numbers that matter both to the industry and "
                "to the local economy. The atlas follows the method of Suzigan, "
                "Furtado & Garcia (2006): agglomeration indicators for every area "
                "and industry, filters that keep the places with real weight in "
                "the industry, spatial statistics that separate clusters from "
                "chance, and a two-way typology that ties each LPS to a policy "
                "agenda. Every figure was read from the run's GeoPackage; nothing "
                "was recomputed for the atlas.",
            ),
            (
                "Data",
                f"{fmt(n_mun, 0, lang)} municipalities ({crs_name}); "
                f"analysis unit: {unit_t}. Size of each industry: {measure_t} by "
                f"CNAE {level}, {n_ind} industries"
                + (f" (files: {', '.join(files)})" if files else "")
                + f". Shares and location quotients are measured against "
                f"{reference_t}, with {denominator} in the denominator."
                + (
                    f" Support institutions: {fmt(n_inst, 0, lang)} points"
                    + (f" from {inst_path}" if inst_path else "")
                    + "."
                    if n_inst
                    else ""
                ),
            ),
            (
                "Filters and typology",
                f"An area becomes a candidate for an industry when it holds at "
                f"least {share_min} of the industry, has a location quotient (QL) "
                f"of at least {ql_min} and at least {min_est} establishments"
                + (
                    f", in industries whose locational Gini is at least "
                    f"{fmt(gini_min, 2, lang)}"
                    if gini_min is not None
                    else ""
                )
                + f"; {mode_t}. Each LPS is then read on two axes: its importance "
                f"for the industry is high when its share exceeds {share_high}, "
                f"its importance for the region is high when QL ≥ {ql_high}. The "
                "four combinations are the four types, drawn in the same colours "
                "on every page: center (both high), advanced vector (industry "
                "high, region low), vector of local development (region high, "
                "industry low) and embryonic LPS (both low).",
            ),
            (
                "Spatial statistics",
                f"Analysed variable: {variable_desc} Neighbours: {weights_t}; "
                f"{islands_t}. Local Moran (LISA) clusters and Getis-Ord Gi* hot "
                f"spots are computed for every industry. {inference}"
                + (
                    f" Areas in a significant Gi* hot spot or LISA High-High "
                    f"cluster with QL ≥ {hot_ql} also join the LPS."
                    if use_hot
                    else ""
                ),
            ),
        ]
        if result.lps_capability is not None:
            sections.append(
                (
                    "Capability",
                    f"Support institutions are counted inside each LPS and within "
                    f"{d_km} km of it, with the distance to the nearest one of "
                    "each type. The capability index is a weighted mean of "
                    "standardised (z-score) counts, so 0 is the study-area "
                    "average. A one-sided permutation test compares the "
                    f"institutions within {d_km} km of the members with "
                    f"{cap_perm} random sets of comparable municipalities; a "
                    "small p-value means the LPS is better served than chance "
                    "would give.",
                )
            )
        sections.append(
            (
                "Reading an LPS page",
                "The map shows the member areas in the colour of the LPS type "
                "over their neighbours, with the support institutions by type"
                + (
                    f" and a dashed line {d_km} km around the LPS"
                    if cap_distance_m
                    else ""
                )
                + "; the small map locates it in the study area. The table gives "
                "size, specialisation and concentration, and how many members lie "
                "in significant LISA High-High clusters and Gi* hot spots. The "
                "chart places the LPS among all LPS of its industry on the "
                "typology's two axes (dashed lines at the thresholds). "
                + reading_ch
                + "The guidelines summarise the policy recommendations of Suzigan, "
                "Furtado & Garcia (2006) for the type.",
            )
        )
    else:
        sections = [
            (
                "O que este atlas mostra",
                "Arranjos produtivos locais (APLs) são lugares onde as empresas "
                "de uma atividade se reúnem em número relevante tanto para a "
                "atividade quanto para a economia local. O atlas segue o método "
                "de Suzigan, Furtado & Garcia (2006): indicadores de aglomeração "
                "para cada área e atividade, filtros que retêm os lugares com "
                "peso real na atividade, estatísticas espaciais que distinguem "
                "aglomerações do acaso e uma tipologia de dois eixos que liga "
                "cada APL a uma agenda de política. Todos os números foram lidos "
                "do GeoPackage do processamento; nada foi recalculado para o "
                "atlas.",
            ),
            (
                "Dados",
                f"{fmt(n_mun, 0, lang)} municípios ({crs_name}); unidade de "
                f"análise: {unit_t}. Tamanho de cada atividade: {measure_t} por "
                f"{level} da CNAE, {n_ind} atividades"
                + (f" (arquivos: {', '.join(files)})" if files else "")
                + f". Participações e quocientes locacionais são medidos em "
                f"relação a {reference_t}, com {denominator} no denominador."
                + (
                    f" Instituições de apoio: {fmt(n_inst, 0, lang)} pontos"
                    + (f" de {inst_path}" if inst_path else "")
                    + "."
                    if n_inst
                    else ""
                ),
            ),
            (
                "Filtros e tipologia",
                f"Uma área é candidata em uma atividade quando detém ao menos "
                f"{share_min} da atividade, tem quociente locacional (QL) de ao "
                f"menos {ql_min} e ao menos {min_est} estabelecimentos"
                + (
                    f", em atividades com Gini locacional de ao menos "
                    f"{fmt(gini_min, 2, lang)}"
                    if gini_min is not None
                    else ""
                )
                + f"; {mode_t}. Cada APL é lido em dois eixos: a importância "
                f"para a atividade é alta quando a participação passa de "
                f"{share_high}; a importância para a região é alta quando "
                f"QL ≥ {ql_high}. As quatro combinações são os quatro tipos, com "
                "as mesmas cores em todas as páginas: núcleo (ambas altas), vetor "
                "avançado (atividade alta, região baixa), vetor de "
                "desenvolvimento local (região alta, atividade baixa) e embrião "
                "(ambas baixas).",
            ),
            (
                "Estatísticas espaciais",
                f"Variável analisada (texto do processamento): {variable_desc} "
                f"Vizinhança: {weights_t}; "
                f"{islands_t}. Agrupamentos de Moran local (LISA) e pontos "
                f"quentes de Getis-Ord Gi* são calculados para cada atividade. "
                f"{inference}"
                + (
                    f" Áreas em ponto quente Gi* ou agrupamento LISA Alto-Alto "
                    f"significativos com QL ≥ {hot_ql} também entram no APL."
                    if use_hot
                    else ""
                ),
            ),
        ]
        if result.lps_capability is not None:
            sections.append(
                (
                    "Capacitações",
                    f"As instituições de apoio são contadas dentro de cada APL e a "
                    f"até {d_km} km dele, com a distância até a mais próxima de "
                    "cada tipo. O índice de capacitação é uma média ponderada de "
                    "contagens padronizadas (escore z): 0 é a média da área de "
                    "estudo. Um teste de permutação unilateral compara as "
                    f"instituições a até {d_km} km dos membros com {cap_perm} "
                    "conjuntos aleatórios de municípios comparáveis; um p pequeno "
                    "indica um APL mais bem servido do que o acaso daria.",
                )
            )
        sections.append(
            (
                "Como ler a página de um APL",
                "O mapa mostra as áreas membros na cor do tipo do APL sobre as "
                "vizinhas, com as instituições de apoio por tipo"
                + (
                    f" e uma linha tracejada a {d_km} km do APL"
                    if cap_distance_m
                    else ""
                )
                + "; o mapa pequeno o situa na área de estudo. A tabela traz "
                "tamanho, especialização e concentração, e quantos membros estão "
                "em agrupamentos LISA Alto-Alto e pontos quentes Gi* "
                "significativos. O gráfico situa o APL entre todos os APLs da "
                "atividade nos dois eixos da tipologia (linhas tracejadas nos "
                "limiares). "
                + reading_ch
                + "As diretrizes resumem as recomendações de política "
                "de Suzigan, Furtado & Garcia (2006) para o tipo.",
            )
        )
    return sections
