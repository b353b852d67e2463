from . import sat_case_close_wizard
from . import sat_case_close_wizard_line
from . import sat_case_invoice_wizard
from . import stock_return_picking
from . import account_move_reversal
from . import sat_case_merge_wizard
