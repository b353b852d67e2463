from . import sat_case_report
from . import sat_product_failure_report
from . import sat_repeat_failure_report
from . import sat_category_pareto_report
