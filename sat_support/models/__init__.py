from . import sat_case_stage
from . import sat_case_category
from . import sat_team
from . import sat_case
from . import sat_case_line
from . import res_partner
from . import stock_lot
