from . import test_sat_reports
from . import test_sat_reports_i18n
from . import test_sat_reports_tour
from . import test_sat_reports_replica
