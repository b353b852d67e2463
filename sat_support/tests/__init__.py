from . import test_sat_case
from . import test_sat_access
from . import test_sat_report
from . import test_sat_performance
from . import test_sat_i18n
from . import test_sat_billing
from . import test_sat_stock
from . import test_sat_concurrency
