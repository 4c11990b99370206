"""One bound-propagation core for every layer: intervals, linear bounds with optimisable slopes, float-sound.

Certification (``verified_nn.certify``), certified training (``verified_nn.robust``), the float check
(``verified_nn.exact``) and branch-and-bound are clients of this package; it knows networks, and each
layer kind is known to it only through its :class:`Rule` (docs/certification.md has the table).

**Domains.** Everything is bounded for a batch of *domains* in one numpy pass: a :class:`Box` holds
``lower``/``upper`` of shape ``(domains, *shape)``: images of a batch, or the sub-domains of a
branch-and-bound, each with its own input box.

**Nodes.** Node 0 is the network's input, node ``i + 1`` the output of layer ``i``. :class:`NodeBounds`
holds a box per node for every domain.

**Rounding** (:class:`Rounding`) is a parameter of every rule, not a fork: ``Rounding.none(dtype)`` is plain
arithmetic in ``dtype`` (certified training, differentiable); ``Rounding.sound(deployed=np.float32)``
computes in float64, moves every result outward by a rigorous bound on its own rounding, and treats each
deployed layer's float32 rounding as a bounded noise per neuron. An affine layer's noise is at most
``gamma_n |A| |x|`` plus a constant, linear in its input's magnitude, and enters back-substitution as a
line in ``|x|`` weighted by ``|lam|``: the float allowance is bounded jointly with the bound itself, at
the bound's own worst input, not from interval magnitudes, and one bound covers the real and the
deployed network.

**API** (all functions take the network first):

- ``interval_bounds(network, box, rounding=...)`` -> NodeBounds: interval propagation (IBP).
- ``linear_bounds(network, box, rounding=..., splits=None, known=None, reuse=0)`` -> NodeBounds: IBP with
  every node that feeds a relaxed layer (an activation, a max pool) tightened by back-substitution (CROWN).
  ``splits[node]`` ``(domains, *shape)`` int8 fixes values ``>= 0`` (+1) or ``<= 0`` (-1) per domain: the
  per-ReLU split constraints of branch-and-bound. ``known`` bounds (a parent's, via ``NodeBounds.take``) are
  intersected, and its first ``reuse`` nodes taken as they are. With ``optimise=n``, each node's values are
  bounded with ``n`` steps of alpha-CROWN on their own slopes, kept in ``NodeBounds.tightened`` (a
  :class:`NodeSlopes` per node); ``slopes=`` such a result's, of these domains or of one containing them
  all, bounds the values they cover at those slopes (branch-and-bound's children at the root's: inside a
  split sub-domain far tighter than CROWN's own slopes). With ``deadline`` (``time.monotonic``), a pass
  still running then raises OutOfTimeError (read before each layer and each chunk of rows).
- ``spec_bounds(network, nodes, spec, slopes=None, node=None, stop=0)`` -> SpecBounds: lower bounds of
  ``spec . y`` for rows ``spec`` ``(rows, *shape)`` or ``(domains, rows, *shape)`` of any node (the output by
  default), by back-substitution to node ``stop``. ``SpecBounds.noise`` is the float allowance inside the
  bound (the real network's bound over the same boxes and slopes, less it); ``SpecBounds.slopes`` the
  slopes used, to warm-start the next call.
- ``optimise_slopes(network, nodes, spec, iterations=20, slopes=None)`` -> SpecBounds: alpha-CROWN, the
  free lower slopes (per layer, domain, row and neuron) improved by projected gradient ascent, with the
  gradient ``bound_gradient`` computed by hand.
- ``split_bounds(network, nodes, spec, splits=..., iterations=...)`` -> SplitBounds: the bound of branch-and-
  bound's domains with their split constraints inside it (beta-CROWN), slopes and multipliers optimised
  together, with what each relaxation cost the bound and the input attaining it.
- ``branch_and_bound(network, query, deadline=..., check=...)`` -> BabOutcome: decide a :class:`Query` (an
  input box, rows ``C y <= d`` in conjunctions) as ``unsat``, ``sat`` (a counterexample ``check`` confirmed),
  ``timeout`` or ``unknown``: split unstable ReLUs (or, with few inputs, the input box), re-bound with
  ``split_bounds``, prune, lowest bound first, and solve small domains exactly. Every ``unsat`` is
  float-sound. ``certify``'s complete stage and ``search``'s properties are its two clients.
- ``screen(network, queries, precision=..., deadline=...)`` -> ``(queries,)`` bool: the queries that float-sound
  passes over all their boxes at once prove, cheapest first (intervals, CROWN, CROWN in float64), each over
  what the ones before left (a property of thousands of small regions is mostly settled before any region
  is searched).
- ``margin_spec(labels, classes)``: the rows ``e_label - e_j``; a margin is positive when the label wins.
- ``encode(network, nodes, domain=0)`` -> (Program, variables): the exact mixed-integer program of the network
  over one domain (piecewise-linear layers only), big-M constants from the node boxes, the deployed
  rounding as one bounded variable per neuron.
- ``minimise(program, objective, time_limit=..., cutoff=...)`` -> Solution: HiGHS on a program, the one place
  the solver is called (branch-and-bound's exact stage); ``Solution.cleared``
  when nothing lies at or below ``cutoff``, which proves something only when the cutoff is at least
  ``solver_tolerance(program, objective)``. Needs scipy, else ``MissingSolverError``.
- ``register_rule(layer_type, rule)``, ``rule_for(layer)``: the registry. Activations get their rule from
  what they declare (``monotone``, ``curvature``, ``float_error``, ``linear_pieces``).

Float dtypes are chosen deliberately: certificates compute in float64 (``Rounding.sound``), training in
the network's dtype (float32 by default) without rounding allowances.
"""

from . import (
    _conv as _conv,
    _dense as _dense,
    _elementwise as _elementwise,
    _maxpool as _maxpool,
    _normalize as _normalize,
    _reshape as _reshape,
)
from ._affine import AffineRule as AffineRule
from ._bab import BabConfig as BabConfig, BabOutcome as BabOutcome, branch_and_bound as branch_and_bound
from ._beta import SplitBounds as SplitBounds, split_bounds as split_bounds
from ._box import Box as Box, Splits as Splits, input_box as input_box
from ._conv import AvgPoolRule as AvgPoolRule, ConvRule as ConvRule
from ._dense import DenseRule as DenseRule
from ._elementwise import ElementwiseRule as ElementwiseRule
from ._errors import BoundsError as BoundsError, OutOfTimeError as OutOfTimeError
from ._exact import NotRationalError as NotRationalError, Scaled as Scaled, scaled as scaled
from ._lines import Lines as Lines
from ._maxpool import MaxPoolRule as MaxPoolRule
from ._optimise import optimise_slopes as optimise_slopes
from ._program import Program as Program, encode as encode
from ._query import Query as Query
from ._reshape import ReshapeRule as ReshapeRule
from ._rounding import (
    Rounding as Rounding,
    gamma as gamma,
    smallest_normal as smallest_normal,
    unit_roundoff as unit_roundoff,
)
from ._rule import (
    Context as Context,
    LinearForm as LinearForm,
    Rule as Rule,
    Step as Step,
    register_rule as register_rule,
    rule_for as rule_for,
)
from ._screen import screen as screen
from ._solve import (
    MissingSolverError as MissingSolverError,
    Solution as Solution,
    minimise as minimise,
    solver_tolerance as solver_tolerance,
)
from ._spec import margin_spec as margin_spec
from ._walk import (
    NodeBounds as NodeBounds,
    NodeSlopes as NodeSlopes,
    SpecBounds as SpecBounds,
    bound_gradient as bound_gradient,
    interval_bounds as interval_bounds,
    linear_bounds as linear_bounds,
    spec_bounds as spec_bounds,
)
