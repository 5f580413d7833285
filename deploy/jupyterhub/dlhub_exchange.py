"""nbgrader's filesystem exchange, hardened for a class on a shared server.

nbgrader's own exchange trusts the student: ``nbgrader submit`` takes the
student id from ``--student`` (``CourseDirectory.student_id``) when given, it
leaves each submission world-readable (files 0444, the folder 0777) and hidden
only by a random suffix in its name, and ``collect`` merely *warns* when a
submission's folder is owned by someone other than the student it names. On a
server where students share one machine that is not enough. These classes
are selected in every user's nbgrader configuration (``ExchangeFactory.submit``
and ``.collect``, written by ``hubctl.py``):

- :class:`OwnSubmit` submits under the account's real name (from the uid, not
  from ``$USER`` or ``--student``) and refuses any other, and leaves the
  submission readable by its author and the course's instructors only (files
  0640, folders 0770, group = the inbound folder's group, the instructors').
- :class:`OwnerCheckedCollect` collects only submissions whose folder and files
  belong to the student named in the folder's name; anything else (a folder
  named after another student, a file planted by someone else) is refused and
  reported, and can never shadow the student's genuine latest submission.

Everything else is nbgrader's exchange unchanged (``release_feedback`` too: the
course's ``grade`` and ``feedback`` keep each submission's ``submission_secret.txt``
beside its feedback, as nbgrader's own commands do).
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


__all__ = ["OwnSubmit", "OwnerCheckedCollect", "forged_reason"]
