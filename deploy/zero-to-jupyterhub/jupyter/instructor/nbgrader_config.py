# Instructors' nbgrader configuration on Zero to JupyterHub: ngshare as the exchange, the course
# folder on the shared volume mounted at ~/course (values.yaml), its own settings loaded from there.
import os

from ngshare_exchange import configureExchange

c = get_config()  # noqa: F821
configureExchange(c, "http://ngshare.dlcourse.svc.cluster.local:8080/services/ngshare")
c.Exchange.path_includes_course = True
course = os.path.expanduser("~/course")
load_subconfig("nbgrader_config.py", path=course)  # noqa: F821  (course id, timeouts, stubs, grading policy)
c.CourseDirectory.root = course
c.CourseDirectory.groupshared = True
# Formgrader's "Generate Feedback" gives the course's scrubbed feedback (no hidden tests).
c.GenerateFeedback.preprocessors = [
    "dlgrade.feedback.HideHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
