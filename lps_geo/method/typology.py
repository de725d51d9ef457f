"""Filters and the 2x2 typology of local production systems.

Suzigan, Furtado & Garcia (2006, section 4.2) cross two axes: the importance
of a local system for its *industry* (its share of the industry's size in the
reference area) and its importance for the *region* (its location quotient).
The four cells are

==========================  ==========================  ============================
importance for the region   industry share low           industry share high
==========================  ==========================  ============================
high (QL >= ``ql_high``)    vector of local development  center of industrial and
                                                         regional development
low                         embryonic LPS                advanced vector
==========================  ==========================  ============================

Presets are data (:data:`lps_geo.config.PRESETS`); every cut-off is a field of
:class:`lps_geo.config.TypologyThresholds` and can be overridden.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lps_geo.config import TypologyThresholds


def passes_filters(
    share_industry: pd.Series | np.ndarray | float,
    ql: pd.Series | np.ndarray | float,
    establishments: pd.Series | np.ndarray | float,
    thresholds: TypologyThresholds,
):
    """Whether (region, industry) pairs pass the candidate filters.

    A pair passes when share_industry >= ``share_min``, QL >= ``ql_min`` and
    establishments >= ``min_establishments``.

    >>> from lps_geo.config import get_thresholds
    >>> t = get_thresholds("ipea2006")
    >>> bool(passes_filters(0.01, 1.0, 5, t)), bool(passes_filters(0.0099, 9, 50, t))
    (True, False)
    """
    s = np.asarray(share_industry, dtype=float)
    q = np.asarray(ql, dtype=float)
    n = np.asarray(establishments, dtype=float)
    out = (
        (s >= thresholds.share_min)
        & (q >= thresholds.ql_min)
        & (n >= thresholds.min_establishments)
    )
    if isinstance(share_industry, pd.Series):
        return pd.Series(out, index=share_industry.index, name="passes_filters")
    return out


def classify(
    share_industry: pd.Series | np.ndarray | float,
    ql: pd.Series | np.ndarray | float,
    establishments: pd.Series | np.ndarray | float,
    thresholds: TypologyThresholds,
):
    """Type of each candidate LPS; ``None`` where the filters are not passed.

    Importance for the industry is high when share_industry > ``share_high``;
    importance for the region is high when QL >= ``ql_high`` (Suzigan,
    Furtado & Garcia 2006, section 4.2; cut-offs of the IPEA 2006 mapping).

    >>> from lps_geo.config import get_thresholds
    >>> t = get_thresholds("ipea2006")
    >>> classify(0.25, 6.0, 10, t), classify(0.25, 2.0, 10, t)
    ('center', 'advanced_vector')
    >>> classify(0.05, 5.0, 10, t), classify(0.05, 4.99, 10, t)
    ('local_vector', 'embryo')
    >>> classify(0.05, 4.99, 4, t) is None
    True
    """
    s = np.asarray(share_industry, dtype=float)
    q = np.asarray(ql, dtype=float)
    ok = np.asarray(passes_filters(s, q, establishments, thresholds))
    high_ind = s > thresholds.share_high
    high_reg = q >= thresholds.ql_high
    codes = np.select(
        [high_ind & high_reg, high_ind & ~high_reg, ~high_ind & high_reg],
        ["center", "advanced_vector", "local_vector"],
        default="embryo",
    ).astype(object)
    codes[~ok] = None
    if isinstance(share_industry, pd.Series):
        return pd.Series(
            codes, index=share_industry.index, name="lps_type", dtype=object
        )
    if codes.ndim == 0:
        return codes.item()
    return codes


#: Policy guidelines per type, written for lps_geo after Suzigan, Furtado &
#: Garcia (2006, sections 4.1-4.2). Short summaries, not quotations.
CITATION = (
    "Suzigan, W., Furtado, J. & Garcia, R. (2006). Designing policies for local "
    "production systems: a methodology based on evidence from Brazil."
)

GUIDELINES: dict[str, dict[str, str]] = {
    "en": {
        "general": (
            "All types: plan land use and urban infrastructure before congestion "
            "erodes the agglomeration's advantages; strengthen local technology "
            "services, laboratories and industry-specific courses; give local "
            "firms a standing forum for collective strategy and help small "
            "independent firms build their own governance, ideally around a "
            "coordinator; tie support to environmental compliance. At firm "
            "level: production planning and quality services, management "
            "training, market and technology information, product development."
        ),
        "center": (
            "Long-established systems whose manufacturing outgrew their "
            "commercial functions. Support should treat industry and commerce "
            "together: own brands, design, product development, patents, "
            "certification and quality, and independent sales and marketing "
            "channels, plus higher technical training, so firms escape "
            "high-volume, low-price dependence on buyers."
        ),
        "advanced_vector": (
            "Important to the industry but diluted in a large, diversified "
            "(often metropolitan) economy. Policy cannot rely on regional "
            "development goals; it should mobilise the surrounding economy's "
            "resources so firms compete on more than cheap factors, which such "
            "areas do not offer."
        ),
        "local_vector": (
            "Past the embryonic stage and important to the local economy, yet "
            "small within the industry: the type industrial policy can help "
            "most. Build a development path from the local opportunities and "
            "learn from the mistakes of the older centres."
        ),
        "embryo": (
            "The most numerous and riskiest type. Support in conditional stages "
            "with matching local contributions; begin with basic tools (cost "
            "accounting, management courses) and market research that finds "
            "niches, rather than expanding capacity to compete on price."
        ),
    },
    "pt": {
        "general": (
            "Todos os tipos: planejar o uso do solo e a infraestrutura urbana "
            "antes que o congestionamento anule as vantagens da aglomeração; "
            "reforçar serviços tecnológicos locais, laboratórios e cursos "
            "específicos do setor; criar um fórum permanente de estratégia "
            "coletiva e apoiar as pequenas empresas independentes a organizar "
            "sua própria governança, de preferência com um coordenador; "
            "condicionar o apoio ao cumprimento das normas ambientais. Nas "
            "empresas: planejamento da produção e qualidade, capacitação "
            "gerencial, informação de mercado e tecnologia, desenvolvimento de "
            "produto."
        ),
        "center": (
            "Sistemas antigos em que a produção cresceu mais que as funções "
            "comerciais. O apoio deve integrar indústria e comércio: marcas "
            "próprias, design, desenvolvimento de produto, patentes, "
            "certificação e qualidade, canais próprios de venda e formação "
            "técnica superior, para sair da dependência de grandes volumes a "
            "preços baixos."
        ),
        "advanced_vector": (
            "Importantes para o setor, mas diluídos numa economia grande e "
            "diversificada (em geral metropolitana). A política deve mobilizar "
            "os recursos do entorno para que as empresas não dependam de "
            "fatores baratos, que essas áreas não oferecem."
        ),
        "local_vector": (
            "Já passaram da fase embrionária e pesam na economia local, mas são "
            "pequenos no setor: é o tipo que a política industrial mais "
            "consegue fomentar. Construir uma trajetória a partir das "
            "oportunidades locais, aprendendo com os erros dos núcleos."
        ),
        "embryo": (
            "O tipo mais numeroso e de maior risco. Apoiar em etapas "
            "condicionadas a contrapartidas locais; começar por instrumentos "
            "básicos (custos, gestão) e por pesquisa de mercado que identifique "
            "nichos, em vez de ampliar capacidade para competir em preço."
        ),
    },
}
