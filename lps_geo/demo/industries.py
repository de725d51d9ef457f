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


#: The CNAE 2.0 classes of every group (IBGE/CONCLA codes and titles), with
#: an invented weight: the expected share of the group's establishments in
#: the class. The establishment microdata (:mod:`lps_geo.demo.microdata`)
#: draw every establishment's class from these weights.
CLASSES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "10.1": (
        ("10.11-2", "Abate de reses, exceto suínos", 0.3),
        ("10.12-1", "Abate de suínos, aves e outros pequenos animais", 0.35),
        ("10.13-9", "Fabricação de produtos de carne", 0.35),
    ),
    "10.5": (
        ("10.51-1", "Preparação do leite", 0.3),
        ("10.52-0", "Fabricação de laticínios", 0.55),
        ("10.53-8", "Fabricação de sorvetes e outros gelados comestíveis", 0.15),
    ),
    "10.7": (
        ("10.71-6", "Fabricação de açúcar em bruto", 0.8),
        ("10.72-4", "Fabricação de açúcar refinado", 0.2),
    ),
    "10.9": (
        ("10.91-1", "Fabricação de produtos de panificação", 0.5),
        ("10.92-9", "Fabricação de biscoitos e bolachas", 0.06),
        (
            "10.93-7",
            "Fabricação de produtos derivados do cacau, de chocolates e confeitos",
            0.06,
        ),
        ("10.94-5", "Fabricação de massas alimentícias", 0.06),
        ("10.95-3", "Fabricação de especiarias, molhos, temperos e condimentos", 0.04),
        ("10.96-1", "Fabricação de alimentos e pratos prontos", 0.1),
        (
            "10.99-6",
            "Fabricação de produtos alimentícios não especificados anteriormente",
            0.18,
        ),
    ),
    "11.1": (
        ("11.11-9", "Fabricação de aguardentes e outras bebidas destiladas", 0.45),
        ("11.12-7", "Fabricação de vinho", 0.2),
        ("11.13-5", "Fabricação de malte, cervejas e chopes", 0.35),
    ),
    "13.2": (
        ("13.21-9", "Tecelagem de fios de algodão", 0.5),
        (
            "13.22-7",
            "Tecelagem de fios de fibras têxteis naturais, exceto algodão",
            0.15,
        ),
        ("13.23-5", "Tecelagem de fios de fibras artificiais e sintéticas", 0.35),
    ),
    "14.1": (
        ("14.11-8", "Confecção de roupas íntimas", 0.15),
        ("14.12-6", "Confecção de peças do vestuário, exceto roupas íntimas", 0.7),
        ("14.13-4", "Confecção de roupas profissionais", 0.1),
        (
            "14.14-2",
            "Fabricação de acessórios do vestuário, exceto para segurança e proteção",
            0.05,
        ),
    ),
    "15.1": (("15.10-6", "Curtimento e outras preparações de couro", 1.0),),
    "15.3": (
        ("15.31-9", "Fabricação de calçados de couro", 0.55),
        ("15.32-7", "Fabricação de tênis de qualquer material", 0.08),
        ("15.33-5", "Fabricação de calçados de material sintético", 0.22),
        (
            "15.39-4",
            "Fabricação de calçados de materiais não especificados anteriormente",
            0.15,
        ),
    ),
    "15.4": (
        ("15.40-8", "Fabricação de partes para calçados, de qualquer material", 1.0),
    ),
    "16.2": (
        (
            "16.21-8",
            "Fabricação de madeira laminada e de chapas de madeira compensada, "
            "prensada e aglomerada",
            0.15,
        ),
        (
            "16.22-6",
            "Fabricação de estruturas de madeira e de artigos de carpintaria para "
            "construção",
            0.45,
        ),
        (
            "16.23-4",
            "Fabricação de artefatos de tanoaria e de embalagens de madeira",
            0.2,
        ),
        (
            "16.29-3",
            "Fabricação de artefatos de madeira, palha, cortiça, vime e material "
            "trançado não especificados anteriormente, exceto móveis",
            0.2,
        ),
    ),
    "17.3": (
        ("17.31-1", "Fabricação de embalagens de papel", 0.3),
        ("17.32-0", "Fabricação de embalagens de cartolina e papel-cartão", 0.25),
        ("17.33-8", "Fabricação de chapas e de embalagens de papelão ondulado", 0.45),
    ),
    "18.1": (
        (
            "18.11-3",
            "Impressão de jornais, livros, revistas e outras publicações periódicas",
            0.15,
        ),
        ("18.12-1", "Impressão de material de segurança", 0.05),
        ("18.13-0", "Impressão de materiais para outros usos", 0.8),
    ),
    "20.6": (
        ("20.61-4", "Fabricação de sabões e detergentes sintéticos", 0.15),
        ("20.62-2", "Fabricação de produtos de limpeza e polimento", 0.3),
        (
            "20.63-1",
            "Fabricação de cosméticos, produtos de perfumaria e de higiene pessoal",
            0.55,
        ),
    ),
    "21.2": (
        ("21.21-1", "Fabricação de medicamentos para uso humano", 0.6),
        ("21.22-0", "Fabricação de medicamentos para uso veterinário", 0.15),
        ("21.23-8", "Fabricação de preparações farmacêuticas", 0.25),
    ),
    "22.2": (
        (
            "22.21-8",
            "Fabricação de laminados planos e tubulares de material plástico",
            0.1,
        ),
        ("22.22-6", "Fabricação de embalagens de material plástico", 0.3),
        (
            "22.23-4",
            "Fabricação de tubos e acessórios de material plástico para uso na "
            "construção",
            0.1,
        ),
        (
            "22.29-3",
            "Fabricação de artefatos de material plástico não especificados "
            "anteriormente",
            0.5,
        ),
    ),
    "23.3": (
        (
            "23.30-3",
            "Fabricação de artefatos de concreto, cimento, fibrocimento, gesso e "
            "materiais semelhantes",
            1.0,
        ),
    ),
    "23.4": (
        ("23.41-9", "Fabricação de produtos cerâmicos refratários", 0.05),
        (
            "23.42-7",
            "Fabricação de produtos cerâmicos não-refratários para uso estrutural "
            "na construção",
            0.8,
        ),
        (
            "23.49-4",
            "Fabricação de produtos cerâmicos não-refratários não especificados "
            "anteriormente",
            0.15,
        ),
    ),
    "24.5": (
        ("24.51-2", "Fundição de ferro e aço", 0.65),
        ("24.52-1", "Fundição de metais não-ferrosos e suas ligas", 0.35),
    ),
    "25.1": (
        ("25.11-0", "Fabricação de estruturas metálicas", 0.55),
        ("25.12-8", "Fabricação de esquadrias de metal", 0.4),
        ("25.13-6", "Fabricação de obras de caldeiraria pesada", 0.05),
    ),
    "25.9": (
        ("25.91-8", "Fabricação de embalagens metálicas", 0.05),
        ("25.92-6", "Fabricação de produtos de trefilados de metal", 0.1),
        (
            "25.93-4",
            "Fabricação de artigos de metal para uso doméstico e pessoal",
            0.15,
        ),
        (
            "25.99-3",
            "Fabricação de produtos de metal não especificados anteriormente",
            0.7,
        ),
    ),
    "26.1": (("26.10-8", "Fabricação de componentes eletrônicos", 1.0),),
    "26.2": (
        ("26.21-3", "Fabricação de equipamentos de informática", 0.6),
        (
            "26.22-1",
            "Fabricação de periféricos para equipamentos de informática",
            0.4,
        ),
    ),
    "27.5": (
        (
            "27.51-1",
            "Fabricação de fogões, refrigeradores e máquinas de lavar e secar para "
            "uso doméstico",
            0.4,
        ),
        (
            "27.59-7",
            "Fabricação de aparelhos eletrodomésticos não especificados anteriormente",
            0.6,
        ),
    ),
    "28.3": (
        ("28.31-3", "Fabricação de tratores agrícolas", 0.1),
        ("28.32-1", "Fabricação de equipamentos para irrigação agrícola", 0.15),
        (
            "28.33-0",
            "Fabricação de máquinas e equipamentos para a agricultura e pecuária, "
            "exceto para irrigação",
            0.75,
        ),
    ),
    "29.1": (("29.10-7", "Fabricação de automóveis, camionetas e utilitários", 1.0),),
    "29.4": (
        (
            "29.41-7",
            "Fabricação de peças e acessórios para o sistema motor de veículos "
            "automotores",
            0.2,
        ),
        (
            "29.42-5",
            "Fabricação de peças e acessórios para os sistemas de marcha e "
            "transmissão de veículos automotores",
            0.1,
        ),
        (
            "29.43-3",
            "Fabricação de peças e acessórios para o sistema de freios de veículos "
            "automotores",
            0.1,
        ),
        (
            "29.44-1",
            "Fabricação de peças e acessórios para o sistema de direção e suspensão "
            "de veículos automotores",
            0.1,
        ),
        (
            "29.45-0",
            "Fabricação de material elétrico e eletrônico para veículos "
            "automotores, exceto baterias",
            0.1,
        ),
        (
            "29.49-2",
            "Fabricação de peças e acessórios para veículos automotores não "
            "especificados anteriormente",
            0.4,
        ),
    ),
    "31.0": (
        ("31.01-2", "Fabricação de móveis com predominância de madeira", 0.7),
        ("31.02-1", "Fabricação de móveis com predominância de metal", 0.15),
        (
            "31.03-9",
            "Fabricação de móveis de outros materiais, exceto madeira e metal",
            0.1,
        ),
        ("31.04-7", "Fabricação de colchões", 0.05),
    ),
    "32.1": (
        (
            "32.11-6",
            "Lapidação de gemas e fabricação de artefatos de ourivesaria e joalheria",
            0.45,
        ),
        ("32.12-4", "Fabricação de bijuterias e artefatos semelhantes", 0.55),
    ),
    "32.5": (
        (
            "32.50-7",
            "Fabricação de instrumentos e materiais para uso médico e odontológico "
            "e de artigos ópticos",
            1.0,
        ),
    ),
    "41.2": (("41.20-4", "Construção de edifícios", 1.0),),
    "45.2": (("45.20-0", "Manutenção e reparação de veículos automotores", 1.0),),
    "46.3": (
        ("46.31-1", "Comércio atacadista de leite e laticínios", 0.06),
        (
            "46.32-0",
            "Comércio atacadista de cereais e leguminosas beneficiados, farinhas, "
            "amidos e féculas",
            0.14,
        ),
        ("46.33-8", "Comércio atacadista de hortifrutigranjeiros", 0.16),
        ("46.34-6", "Comércio atacadista de carnes, produtos da carne e pescado", 0.1),
        ("46.35-4", "Comércio atacadista de bebidas", 0.14),
        ("46.36-2", "Comércio atacadista de produtos do fumo", 0.02),
        (
            "46.37-1",
            "Comércio atacadista especializado em produtos alimentícios não "
            "especificados anteriormente",
            0.18,
        ),
        ("46.39-7", "Comércio atacadista de produtos alimentícios em geral", 0.2),
    ),
    "47.1": (
        (
            "47.11-3",
            "Comércio varejista de mercadorias em geral, com predominância de "
            "produtos alimentícios - hipermercados e supermercados",
            0.3,
        ),
        (
            "47.12-1",
            "Comércio varejista de mercadorias em geral, com predominância de "
            "produtos alimentícios - minimercados, mercearias e armazéns",
            0.6,
        ),
        (
            "47.13-0",
            "Comércio varejista de mercadorias em geral, sem predominância de "
            "produtos alimentícios",
            0.1,
        ),
    ),
    "47.8": (
        ("47.81-4", "Comércio varejista de artigos do vestuário e acessórios", 0.35),
        ("47.82-2", "Comércio varejista de calçados e artigos de viagem", 0.08),
        ("47.83-1", "Comércio varejista de jóias e relógios", 0.04),
        ("47.84-9", "Comércio varejista de gás liqüefeito de petróleo (GLP)", 0.05),
        ("47.85-7", "Comércio varejista de artigos usados", 0.03),
        (
            "47.89-0",
            "Comércio varejista de outros produtos novos não especificados "
            "anteriormente",
            0.45,
        ),
    ),
    "49.3": (("49.30-2", "Transporte rodoviário de carga", 1.0),),
    "56.1": (
        (
            "56.11-2",
            "Restaurantes e outros estabelecimentos de serviços de alimentação e "
            "bebidas",
            0.95,
        ),
        ("56.12-1", "Serviços ambulantes de alimentação", 0.05),
    ),
    "62.0": (
        ("62.01-5", "Desenvolvimento de programas de computador sob encomenda", 0.25),
        (
            "62.02-3",
            "Desenvolvimento e licenciamento de programas de computador customizáveis",
            0.1,
        ),
        (
            "62.03-1",
            "Desenvolvimento e licenciamento de programas de computador "
            "não-customizáveis",
            0.05,
        ),
        ("62.04-0", "Consultoria em tecnologia da informação", 0.25),
        (
            "62.09-1",
            "Suporte técnico, manutenção e outros serviços em tecnologia da informação",
            0.35,
        ),
    ),
    "85.1": (
        ("85.11-2", "Educação infantil - creche", 0.3),
        ("85.12-1", "Educação infantil - pré-escola", 0.2),
        ("85.13-9", "Ensino fundamental", 0.5),
    ),
    "86.1": (("86.10-1", "Atividades de atendimento hospitalar", 1.0),),
}


def cnae_structure() -> pd.DataFrame:
    """The demo's CNAE 2.0 structure: its 40 groups and their classes.

    The ``[inputs] cnae`` table of ``demo.toml``: the RAIS establishment
    microdata are coded by class, the analysis runs on groups.

    Returns
    -------
    DataFrame
        Columns ``code`` (``"NN.N"`` for a group, ``"NN.NN-N"`` for a
        class), ``title``, ``division`` and ``division_title`` (group rows
        only); every group followed by its classes.

    Examples
    --------
    >>> s = cnae_structure()
    >>> s.loc[s.code.str.startswith("15.3"), "code"].tolist()
    ['15.3', '15.31-9', '15.32-7', '15.33-5', '15.39-4']
    """
    rows = []
    for code, title, division, division_title in cnae_groups().itertuples(index=False):
        rows.append((code, title, division, division_title))
        rows += [(c, t, "", "") for c, t, _ in CLASSES[code]]
    return pd.DataFrame(rows, columns=["code", "title", "division", "division_title"])
