"""Pages of the staff app: the HR import (``imports``) and the staff directory (``people``)."""
