"""Invent the names and IBGE-style codes of the demo's municipalities.

Names are Portuguese-sounding compounds (nouns, saints, adjectives, "of"
phrases, Tupi stems), drawn without two that fold to the same ASCII text;
codes are ``19`` + a 4-digit serial + the IBGE check digit, serials in
alphabetical order of the names.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from lps_geo.errors import InputError

#: The invented state's IBGE code (no Brazilian state has it).
STATE_CODE = "19"

# Name parts for invented municipalities.
_NOUNS_M = (
    "Campo",
    "Monte",
    "Rio",
    "Porto",
    "Ribeirão",
    "Passo",
    "Pouso",
    "Morro",
    "Vale",
    "Capão",
    "Arroio",
    "Cerro",
    "Salto",
    "Retiro",
    "Pontal",
    "Jardim",
    "Bom Retiro",
    "Alto",
)
_NOUNS_F = (
    "Serra",
    "Lagoa",
    "Barra",
    "Cachoeira",
    "Ponte",
    "Pedra",
    "Palmeira",
    "Vila",
    "Vargem",
    "Colina",
    "Várzea",
    "Fazenda",
    "Ilha",
    "Aldeia",
    "Estrela",
    "Mata",
)
_SAINTS = (
    "São José",
    "São Pedro",
    "São João",
    "São Sebastião",
    "São Francisco",
    "São Miguel",
    "São Bento",
    "São Lourenço",
    "São Tomé",
    "São Jorge",
    "São Vicente",
    "São Gonçalo",
    "Santa Rita",
    "Santa Luzia",
    "Santa Cruz",
    "Santa Bárbara",
    "Santa Helena",
    "Santa Clara",
    "Santa Inês",
    "Santa Teresa",
    "Santo Antônio",
    "Santo Amaro",
    "Santo Inácio",
    "Santo Expedito",
    "Bom Jesus",
    "Boa Esperança",
    "Nossa Senhora Aparecida",
    "Divino",
)
_ADJ = (
    ("Alegre", "Alegre"),
    ("Verde", "Verde"),
    ("Grande", "Grande"),
    ("Bonito", "Bonita"),
    ("Claro", "Clara"),
    ("Dourado", "Dourada"),
    ("Formoso", "Formosa"),
    ("Real", "Real"),
    ("Azul", "Azul"),
    ("Fundo", "Funda"),
    ("Largo", "Larga"),
    ("Novo", "Nova"),
    ("Bravo", "Brava"),
    ("Alto", "Alta"),
)
_OF = (
    "do Campo",
    "das Flores",
    "da Serra",
    "do Sul",
    "do Oeste",
    "do Norte",
    "dos Pinhais",
    "das Palmeiras",
    "da Mata",
    "do Paraíso",
    "das Pedras",
    "do Sertão",
    "das Águas",
    "da Estrela",
    "do Ouro",
    "da Prata",
    "dos Campos",
    "do Bugre",
    "da Cruz",
    "do Livramento",
    "da Aldeia",
    "das Antas",
    "do Jacaré",
    "das Garças",
    "da Saudade",
    "do Pinhal",
    "das Laranjeiras",
    "do Cedro",
    "dos Ipês",
    "da Colina",
    "do Retiro",
    "das Missões",
    "do Mirante",
    "da Figueira",
    "do Tigre",
    "das Araras",
    "do Riacho",
    "da Várzea",
    "do Lajeado",
    "dos Coqueiros",
    "do Capim",
    "das Candeias",
    "do Turvo",
    "da Boa Vista",
    "do Bananal",
    "das Almas",
)
_NOVA = (
    "Nova Esperança",
    "Nova Aurora",
    "Nova Fátima",
    "Nova Prata",
    "Nova Canaã",
    "Nova Olinda",
    "Nova Londrina",
    "Nova Aliança",
    "Nova Europa",
    "Nova Guarita",
    "Novo Horizonte",
    "Novo Oriente",
    "Novo Itacolomi",
    "Novo Cabrais",
    "Novo Planalto",
    "Novo Triunfo",
)
_TUPI_A = (
    "Ita",
    "Ibi",
    "Ara",
    "Guara",
    "Pira",
    "Jaci",
    "Ubi",
    "Jura",
    "Tapi",
    "Buri",
    "Cara",
    "Ipo",
    "Mogi",
    "Taqua",
    "Ibira",
)
_TUPI_B = (
    "tiba",
    "poranga",
    "guaçu",
    "mirim",
    "porã",
    "juba",
    "rema",
    "tinga",
    "cema",
    "quara",
    "peva",
    "cica",
    "tuba",
    "jara",
    "una",
)


def ibge_check_digit(code6: str) -> int:
    """Check digit of an IBGE municipality code from its first six digits.

    The digits are weighted 1, 2, 1, 2, 1, 2; the digits of each product are
    summed (12 counts as 1 + 2) and the check digit is
    ``(10 - total % 10) % 10`` (IBGE's modulus-10 rule).

    Parameters
    ----------
    code6
        The first six digits (state code + municipal serial).

    Returns
    -------
    int
        The seventh digit.

    Examples
    --------
    >>> ibge_check_digit("351620")  # Franca, SP: 3516200
    0
    >>> ibge_check_digit("350010")  # Adamantina, SP: 3500105
    5
    """
    if len(code6) != 6 or not code6.isdigit():
        raise InputError(f"ibge_check_digit: need exactly six digits, got {code6!r}")
    total = 0
    for k, ch in enumerate(code6):
        p = int(ch) * (1 if k % 2 == 0 else 2)
        total += p // 10 + p % 10
    return (10 - total % 10) % 10


def fold(s: str) -> str:
    """Lower-case ASCII form of ``s`` (accents dropped), to compare names.

    >>> fold("São João")
    'sao joao'
    """
    return "".join(
        c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)
    ).lower()


def invent_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct invented municipality names, in random order."""
    pool = []
    for nm in _NOUNS_M:
        pool += [f"{nm} {m}" for m, _ in _ADJ if m != nm]
    for nm in _NOUNS_F:
        pool += [f"{nm} {f}" for _, f in _ADJ]
    for nm in _NOUNS_M + _NOUNS_F + _SAINTS:
        pool += [f"{nm} {o}" for o in _OF]
    pool += list(_SAINTS) + list(_NOVA)
    pool += [a + b for a in _TUPI_A for b in _TUPI_B]
    pool = sorted(set(pool))
    out, seen = [], set()
    for k in rng.permutation(len(pool)):
        key = fold(pool[k])
        if key not in seen:
            seen.add(key)
            out.append(pool[k])
        if len(out) == n:
            break
    return out


def municipality_codes(names: list[str]) -> np.ndarray:
    """7-digit codes of the municipalities, serials in alphabetical order.

    Returns an object array aligned on ``names``: ``19`` + serial
    (10, 20, ...) in four digits + the check digit of :func:`ibge_check_digit`.

    >>> municipality_codes(["Vila Real", "Abaré"]).tolist()
    ['1900208', '1900109']
    """
    n = len(names)
    order_names = sorted(range(n), key=lambda j: (fold(names[j]), names[j]))
    serial = np.empty(n, dtype=object)
    for rank, j in enumerate(order_names):
        s6 = f"{STATE_CODE}{(rank + 1) * 10:04d}"
        serial[j] = s6 + str(ibge_check_digit(s6))
    return serial
