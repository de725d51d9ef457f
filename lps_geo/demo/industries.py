"""The demo's 40 CNAE 2.0 groups: titles, divisions, national weights and plant sizes.

Titles are typed from IBGE/CONCLA, "Estrutura detalhada da CNAE 2.0"; the
national weights, typical establishment sizes and urban affinities are
invented but plausible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The 40 groups. Columns: code, official title, national weight (share of
#: formal employment among these 40 groups), typical establishment size (jobs),
#: urban affinity (-1 rural, 0 neutral, +1 urban).
GROUPS: tuple[tuple[str, str, float, float, int], ...] = (
    ("10.1", "Abate e fabricação de produtos de carne", 3.2, 120, -1),
    ("10.5", "Laticínios", 1.0, 35, -1),
    ("10.7", "Fabricação e refino de açúcar", 1.2, 350, -1),
    ("10.9", "Fabricação de outros produtos alimentícios", 2.0, 14, 0),
    ("11.1", "Fabricação de bebidas alcoólicas", 0.5, 45, 0),
    ("13.2", "Tecelagem, exceto malha", 0.6, 40, 0),
    ("14.1", "Confecção de artigos do vestuário e acessórios", 2.8, 12, 0),
    ("15.1", "Curtimento e outras preparações de couro", 0.35, 35, -1),
    ("15.3", "Fabricação de calçados", 1.2, 25, 0),
    ("15.4", "Fabricação de partes para calçados, de qualquer material", 0.35, 15, 0),
    (
        "16.2",
        "Fabricação de produtos de madeira, cortiça e material trançado, exceto móveis",
        0.7,
        12,
        -1,
    ),
    (
        "17.3",
        "Fabricação de embalagens de papel, cartolina, papel-cartão e papelão ondulado",
        0.7,
        45,
        1,
    ),
    ("18.1", "Atividade de impressão", 0.7, 8, 1),
    (
        "20.6",
        "Fabricação de sabões, detergentes, produtos de limpeza, cosméticos, "
        "produtos de perfumaria e de higiene pessoal",
        0.7,
        25,
        1,
    ),
    ("21.2", "Fabricação de produtos farmacêuticos", 0.8, 90, 1),
    ("22.2", "Fabricação de produtos de material plástico", 2.2, 25, 1),
    (
        "23.3",
        "Fabricação de artefatos de concreto, cimento, fibrocimento, gesso e "
        "materiais semelhantes",
        0.9,
        10,
        0,
    ),
    ("23.4", "Fabricação de produtos cerâmicos", 0.7, 20, -1),
    ("24.5", "Fundição", 0.5, 35, 0),
    (
        "25.1",
        "Fabricação de estruturas metálicas e obras de caldeiraria pesada",
        0.8,
        15,
        0,
    ),
    (
        "25.9",
        "Fabricação de produtos de metal não especificados anteriormente",
        1.3,
        12,
        1,
    ),
    ("26.1", "Fabricação de componentes eletrônicos", 0.35, 60, 1),
    ("26.2", "Fabricação de equipamentos de informática e periféricos", 0.35, 50, 1),
    ("27.5", "Fabricação de eletrodomésticos", 0.5, 150, 1),
    (
        "28.3",
        "Fabricação de tratores e de máquinas e equipamentos para a agricultura e "
        "pecuária",
        0.6,
        40,
        -1,
    ),
    ("29.1", "Fabricação de automóveis, camionetas e utilitários", 1.0, 800, 1),
    ("29.4", "Fabricação de peças e acessórios para veículos automotores", 2.0, 60, 1),
    ("31.0", "Fabricação de móveis", 1.3, 12, 0),
    ("32.1", "Fabricação de artigos de joalheria, bijuteria e semelhantes", 0.3, 8, 0),
    (
        "32.5",
        "Fabricação de instrumentos e materiais para uso médico e odontológico e de "
        "artigos ópticos",
        0.45,
        15,
        1,
    ),
    ("41.2", "Construção de edifícios", 5.0, 14, 0),
    ("45.2", "Manutenção e reparação de veículos automotores", 2.6, 5, 0),
    (
        "46.3",
        "Comércio atacadista especializado em produtos alimentícios, bebidas e fumo",
        2.5,
        12,
        1,
    ),
    ("47.1", "Comércio varejista não-especializado", 7.5, 20, 0),
    (
        "47.8",
        "Comércio varejista de produtos novos não especificados anteriormente e de "
        "produtos usados",
        8.5,
        5,
        0,
    ),
    ("49.3", "Transporte rodoviário de carga", 5.0, 10, 0),
    ("56.1", "Restaurantes e outros serviços de alimentação e bebidas", 7.0, 6, 0),
    ("62.0", "Atividades dos serviços de tecnologia da informação", 2.8, 12, 1),
    ("85.1", "Educação infantil e ensino fundamental", 6.0, 30, 0),
    ("86.1", "Atividades de atendimento hospitalar", 7.0, 70, 1),
)

#: CNAE 2.0 division titles (IBGE/CONCLA, as printed: upper case).
_DIVISIONS: dict[str, str] = {
    "10": "FABRICAÇÃO DE PRODUTOS ALIMENTÍCIOS",
    "11": "FABRICAÇÃO DE BEBIDAS",
    "13": "FABRICAÇÃO DE PRODUTOS TÊXTEIS",
    "14": "CONFECÇÃO DE ARTIGOS DO VESTUÁRIO E ACESSÓRIOS",
    "15": "PREPARAÇÃO DE COUROS E FABRICAÇÃO DE ARTEFATOS DE COURO, ARTIGOS PARA "
    "VIAGEM E CALÇADOS",
    "16": "FABRICAÇÃO DE PRODUTOS DE MADEIRA",
    "17": "FABRICAÇÃO DE CELULOSE, PAPEL E PRODUTOS DE PAPEL",
    "18": "IMPRESSÃO E REPRODUÇÃO DE GRAVAÇÕES",
    "20": "FABRICAÇÃO DE PRODUTOS QUÍMICOS",
    "21": "FABRICAÇÃO DE PRODUTOS FARMOQUÍMICOS E FARMACÊUTICOS",
    "22": "FABRICAÇÃO DE PRODUTOS DE BORRACHA E DE MATERIAL PLÁSTICO",
    "23": "FABRICAÇÃO DE PRODUTOS DE MINERAIS NÃO-METÁLICOS",
    "24": "METALURGIA",
    "25": "FABRICAÇÃO DE PRODUTOS DE METAL, EXCETO MÁQUINAS E EQUIPAMENTOS",
    "26": "FABRICAÇÃO DE EQUIPAMENTOS DE INFORMÁTICA, PRODUTOS ELETRÔNICOS E ÓPTICOS",
    "27": "FABRICAÇÃO DE MÁQUINAS, APARELHOS E MATERIAIS ELÉTRICOS",
    "28": "FABRICAÇÃO DE MÁQUINAS E EQUIPAMENTOS",
    "29": "FABRICAÇÃO DE VEÍCULOS AUTOMOTORES, REBOQUES E CARROCERIAS",
    "31": "FABRICAÇÃO DE MÓVEIS",
    "32": "FABRICAÇÃO DE PRODUTOS DIVERSOS",
    "41": "CONSTRUÇÃO DE EDIFÍCIOS",
    "45": "COMÉRCIO E REPARAÇÃO DE VEÍCULOS AUTOMOTORES E MOTOCICLETAS",
    "46": "COMÉRCIO POR ATACADO, EXCETO VEÍCULOS AUTOMOTORES E MOTOCICLETAS",
    "47": "COMÉRCIO VAREJISTA",
    "49": "TRANSPORTE TERRESTRE",
    "56": "ALIMENTAÇÃO",
    "62": "ATIVIDADES DOS SERVIÇOS DE TECNOLOGIA DA INFORMAÇÃO",
    "85": "EDUCAÇÃO",
    "86": "ATIVIDADES DE ATENÇÃO À SAÚDE HUMANA",
}

#: CNAE group codes of the demo, in the order of :data:`GROUPS`.
GROUP_CODES: tuple[str, ...] = tuple(g[0] for g in GROUPS)

#: Words that RAIS headers keep in lower case.
_PARTICLES = {
    "de",
    "do",
    "da",
    "dos",
    "das",
    "e",
    "em",
    "para",
    "a",
    "o",
    "à",
    "ao",
    "com",
    "por",
    "na",
    "no",
}


def manufacturing() -> np.ndarray:
    """Boolean mask of the manufacturing groups (CNAE divisions 10-33).

    >>> int(manufacturing().sum())
    30
    """
    return np.array([int(c[:2]) <= 33 for c in GROUP_CODES])


def rais_title(title: str) -> str:
    """Title-case a CNAE title the way RAIS table headers do.

    Every word is capitalised except short Portuguese particles; each part of
    a hyphenated word is capitalised.

    Examples
    --------
    >>> rais_title("Fabricação de calçados")
    'Fabricação de Calçados'
    >>> rais_title("Tecelagem, exceto malha")
    'Tecelagem, Exceto Malha'
    """
    words = []
    for w in title.split(" "):
        if w.lower() in _PARTICLES and words:
            words.append(w.lower())
        else:
            words.append("-".join(p[:1].upper() + p[1:] for p in w.split("-")))
    return " ".join(words)


def cnae_groups() -> pd.DataFrame:
    """The 40 CNAE 2.0 groups of the demo, with their division.

    Returns
    -------
    DataFrame
        Columns ``code`` (``"NN.N"``), ``title``, ``division`` (``"NN"``),
        ``division_title`` (as IBGE prints it, upper case).

    Examples
    --------
    >>> g = cnae_groups()
    >>> len(g), g.loc[g.code == "15.3", "title"].item()
    (40, 'Fabricação de calçados')
    """
    rows = [(c, t, c[:2], _DIVISIONS[c[:2]]) for c, t, *_ in GROUPS]
    return pd.DataFrame(rows, columns=["code", "title", "division", "division_title"])


def typical_sizes() -> np.ndarray:
    """Typical establishment size (jobs) of every group, in :data:`GROUPS` order."""
    return np.array([g[3] for g in GROUPS], float)
