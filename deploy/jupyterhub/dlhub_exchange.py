"""nbgrader's filesystem exchange, hardened for a class on a shared server.

nbgrader's own exchange trusts the student: ``nbgrader submit`` takes the
student id from ``--student`` (``CourseDirectory.student_id``) when given, it
leaves each submission world-readable (files 0444, the folder 0777) and hidden
only by a random suffix in its name, and ``collect`` merely *warns* when a
submission's folder is owned by someone other than the student it names. On a
server where students share one machine that is not enough. These classes
are selected in every user's nbgrader configuration (``ExchangeFactory.submit``,
``.collect`` and ``.release_feedback``, written by ``hubctl.py``):

- :class:`OwnSubmit` submits under the account's real name (from the uid, not
  from ``$USER`` or ``--student``) and refuses any other, and leaves the
  submission readable by its author and the course's instructors only (files
  0640, folders 0770, group = the inbound folder's group, the instructors').
- :class:`OwnerCheckedCollect` collects only submissions whose folder and files
  belong to the student named in the folder's name; anything else (a folder
  named after another student, a file planted by someone else) is refused and
  reported, and can never shadow the student's genuine latest submission.
- :class:`SecretKeepingReleaseFeedback` releases the feedback that the course's ``feedback``
  command wrote even where it lacks the submission's secret, which nbgrader needs to file it
  (taken from the collected submission when the feedback was made from it).

Everything else is nbgrader's exchange unchanged.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import stat
from collections import defaultdict

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import check_mode, ignore_patterns

SUBMISSION_FILE_MODE = 0o640
SUBMISSION_DIR_MODE = 0o770


def account_name() -> str:
    """The name of the account this process runs as (from its uid: environment variables can lie)."""
    return pwd.getpwuid(os.getuid()).pw_name


class OwnSubmit(ExchangeSubmit):
    """Submit as oneself only, and keep the submission private to its author and the instructors."""

    def init_dest(self):
        me = account_name()
        claimed = self.coursedir.student_id
        if claimed not in ("", "*", me):
            self.fail(f"You are logged in as {me!r} and can only submit as yourself, not as {claimed!r}.")
        self.coursedir.student_id = me
        super().init_dest()

    def do_copy(self, src, dest, log=None):
        """Into the inbound folder: without copying the folders' modes, so that the submission's folder
        keeps the set-group-id bit it inherits from inbound and every file in it, also the
        timestamp and secret nbgrader writes afterwards, belongs to the instructors' group.
        (``shutil.copytree`` copies the student's folder mode, which drops that bit.)"""
        if os.path.dirname(os.path.abspath(dest)) != os.path.abspath(self.inbound_path):
            return super().do_copy(src, dest, log)
        size, limit = self.get_size(src), 1000 * self.coursedir.max_dir_size
        if size > limit:
            raise RuntimeError(f"Directory size is too big. Size is {size}, maximum size is {limit}")
        ignore = ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                 max_file_size=self.coursedir.max_file_size, log=self.log)
        os.mkdir(dest)
        for folder, dirs, files in os.walk(src):
            skipped = set(ignore(folder, dirs + files))
            dirs[:] = [d for d in dirs if d not in skipped and not os.path.islink(os.path.join(folder, d))]
            target = os.path.join(dest, os.path.relpath(folder, src))
            for d in dirs:
                os.mkdir(os.path.join(target, d))
            for name in files:
                path = os.path.join(folder, name)
                if name not in skipped and not os.path.islink(path):
                    shutil.copyfile(path, os.path.join(target, name))

    def copy_files(self):
        super().copy_files()
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        for folder, dirs, files in os.walk(dest):
            for name in files:
                os.chmod(os.path.join(folder, name), SUBMISSION_FILE_MODE)
            for name in dirs:
                os.chmod(os.path.join(folder, name), SUBMISSION_DIR_MODE)
        os.chmod(dest, SUBMISSION_DIR_MODE)


def owner_of(path: str) -> str:
    uid = os.lstat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def forged_reason(path: str, student: str) -> str | None:
    """Why a submission folder cannot be the named student's, or None when everything in it is theirs."""
    owner = owner_of(path)
    if owner != student:
        return f"the folder is named after {student!r} but belongs to {owner!r}"
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            full = os.path.join(folder, name)
            if stat.S_ISLNK(os.lstat(full).st_mode):
                return f"{os.path.relpath(full, path)} is a symbolic link"
            owner = owner_of(full)
            if owner != student:
                return f"{os.path.relpath(full, path)} belongs to {owner!r}, not to {student!r}"
    return None


class OwnerCheckedCollect(ExchangeCollect):
    """Collect the latest genuine submission of each student; refuse and report forged ones."""

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        student = self.coursedir.student_id or "*"
        pattern = os.path.join(self.inbound_path, f"{student}+{self.coursedir.assignment_id}+*")
        by_student: dict[str, list[dict]] = defaultdict(list)
        self.refused = []
        for path in sorted(glob.glob(pattern)):
            record = self._path_to_record(path)
            reason = forged_reason(path, record["username"])
            if reason:
                self.refused.append((path, reason))
                self.log.error("Refused %s: %s. It was not collected (a student can only submit as "
                               "themselves).", path, reason)
                continue
            by_student[record["username"]].append(record)
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for records in by_student.values():
            records = self._sort_by_timestamp(records)
            if self.duedate is not None and self.before_duedate:
                on_time = [r for r in records if r["timestamp"] <= self.duedate]
                records = on_time or records
            self.src_records.append(records[0])


class SecretKeepingReleaseFeedback(ExchangeReleaseFeedback):
    """Release feedback also when the feedback folder lacks the submission's secret.

    nbgrader files a student's feedback in the exchange under a name derived from the secret the
    student's submission carried (``submission_secret.txt``), so that only its author can find it.
    Feedback written by the course's ``feedback`` command has the submission's ``timestamp.txt`` but
    not always its secret; the secret is then taken from the collected submission
    (``submitted/<student>/<chapter>/``), provided the feedback was made from that very submission
    (same timestamp). Feedback made from an older submission is left out, with a warning."""

    def copy_files(self):
        student = self.coursedir.student_id or "*"
        stale = []
        for folder in sorted(glob.glob(self.coursedir.format_path(self.coursedir.feedback_directory, student,
                                                                   self.coursedir.assignment_id))):
            secret = os.path.join(folder, "submission_secret.txt")
            if os.path.exists(secret) or not glob.glob(os.path.join(folder, "*.html")):
                continue
            name = os.path.basename(os.path.dirname(folder))
            submitted = self.coursedir.format_path(self.coursedir.submitted_directory, name,
                                                   self.coursedir.assignment_id)
            source = os.path.join(submitted, "submission_secret.txt")
            mine, theirs = os.path.join(folder, "timestamp.txt"), os.path.join(submitted, "timestamp.txt")
            if (os.path.exists(source) and os.path.exists(mine) and os.path.exists(theirs)
                    and open(mine).read().strip() == open(theirs).read().strip()):
                shutil.copyfile(source, secret)
            else:
                stale.append(name)
                self.log.warning("Not releasing the feedback of %s on %s: it was made from another submission than "
                                 "the one collected. Grade and write the feedback again, then release it.", name,
                                 self.coursedir.assignment_id)
        if stale:
            excluded = [s for s in (self.coursedir.student_id_exclude or "").split(",") if s]
            self.coursedir.student_id_exclude = ",".join(excluded + stale)
        super().copy_files()


__all__ = ["OwnSubmit", "OwnerCheckedCollect", "SecretKeepingReleaseFeedback", "forged_reason"]
