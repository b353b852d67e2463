from . import res_company
from . import res_config_settings
from . import sat_report_dashboard
