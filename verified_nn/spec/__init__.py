"""Specifications: VNNLIB properties of networks (input boxes, output conditions) read exactly.

A :class:`Property` is violated by an input of one of its regions' boxes whose outputs meet one of the
region's conjunctions of linear rows; :func:`read_vnnlib` reads the competition's files into one.
"""

from ._errors import SpecError as SpecError
from ._property import (
    Box as Box,
    Conjunct as Conjunct,
    Property as Property,
    Region as Region,
    Row as Row,
    RowFloats as RowFloats,
)
from ._sexpr import parse_sexpr as parse_sexpr
from ._vnnlib import parse_vnnlib as parse_vnnlib, read_vnnlib as read_vnnlib
