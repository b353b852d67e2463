from . import test_sat_mail_gateway
from . import test_sat_mail_gateway_i18n
from . import test_sat_mail_gateway_race
from . import test_sat_gateway_tours
from . import test_sat_team_address
