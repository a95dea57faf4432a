"""The lessons' interactive explorers (the names lessons import). Each lives in its own module in
`lrlab.explorers`, beside the ES module that draws it in the page.
"""

from lrlab.explorers.bowl_2d import BowlExplorer2D
from lrlab.explorers.descent_1d import DescentExplorer1D
from lrlab.explorers.edge_of_stability import EdgeOfStabilityExplorer
from lrlab.explorers.norm_equilibrium import NormEquilibriumExplorer
from lrlab.explorers.range_test import RangeTestExplorer
from lrlab.explorers.schedule import ScheduleExplorer

__all__ = [
    "DescentExplorer1D",
    "BowlExplorer2D",
    "ScheduleExplorer",
    "RangeTestExplorer",
    "EdgeOfStabilityExplorer",
    "NormEquilibriumExplorer",
]
