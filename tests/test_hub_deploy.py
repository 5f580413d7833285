"""The class-server deployment without starting it: the roster, the configuration it writes, and the
Zero to JupyterHub plan (values.yaml parses, the user image installs pyproject.toml's pins).

Fast and without root; the running hub is tested in a browser by tests/test_hub.py.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from hubkit import load_hubctl

hubctl = load_hubctl()
K8S = REPO / "deploy" / "zero-to-jupyterhub"
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\"']+)$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_pins() -> dict[str, str]:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    return {_norm(m.group(1)): m.group(2) for m in (PIN.match(d.strip()) for d in deps) if m}


# --------------------------------------------------------------------------------------------- roster

def _roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text)
    return path


def test_roster_defaults_to_the_course_of_nbgrader_config(tmp_path):
    members = hubctl.read_roster(_roster(tmp_path, "username,role,first_name\n# a comment\nt1,instructor,Ada\n"
                                                   "s1,student,\ns2,Student,\n"), "dl-course")
    assert [(m.username, m.role, m.course) for m in members] == [
        ("t1", "instructor", "dl-course"), ("s1", "student", "dl-course"), ("s2", "student", "dl-course")]
    assert members[0].first_name == "Ada"


@pytest.mark.parametrize("text, says", [
    ("name,role\nt1,instructor\n", "at least username and role"),
    ("username,role\nt1,instructor\nBad Name,student\n", "line 3: username 'Bad Name'"),
    ("username,role\nt1,instructor\ns1,teacher\n", "line 3: role of s1 is 'teacher'"),
    ("username,role,course\nt1,instructor,a b\n", "course id 'a b'"),
    ("username,role\nt1,instructor\ns1,student\ns1,student\n", "s1 is listed twice"),
    ("username,role,course\nt1,instructor,A\nt1,instructor,B\n", "t1 teaches ['A', 'B']"),
    ("username,role,course\nt1,instructor,A\ns1,student,B\n", "course B has no instructor"),
    ("username,role\n", "lists nobody"),
])
def test_roster_problems_are_reported_with_what_to_do(tmp_path, text, says):
    with pytest.raises(hubctl.HubError) as err:
        hubctl.read_roster(_roster(tmp_path, text), "A")
    assert says in str(err.value)


def test_missing_roster_says_what_a_roster_is(tmp_path):
    with pytest.raises(hubctl.HubError, match="username,role"):
        hubctl.read_roster(tmp_path / "nope.csv", "A")


def test_the_example_roster_is_valid():
    members = hubctl.read_roster(REPO / "deploy" / "jupyterhub" / "roster.example.csv", hubctl.repo_course_id())
    assert {m.role for m in members} == {"instructor", "student"}


def test_course_groups_fit_unix_names():
    for course in ["A", "dl-from-scratch-day2", "x" * 64]:
        staff, klass = hubctl.group_names("nbg-", course)
        assert staff != klass and staff.endswith("-staff") and klass.endswith("-class")
        assert len(staff) <= 32 and len(klass) <= 32 and re.fullmatch(r"[a-z0-9_-]+", staff)
    assert hubctl.group_names("nbg-", "x" * 64) != hubctl.group_names("nbg-", "x" * 63)


# --------------------------------------------------------------------------------------------- user config

def test_instructor_configuration_points_formgrader_at_the_shared_course(tmp_path):
    layout = hubctl.Layout(tmp_path)
    text = hubctl.nbgrader_config_text(layout, {"A": "instructor"}, Path("/home/t1"))
    assert f"load_subconfig('nbgrader_config.py', path={str(layout.course('A'))!r})" in text
    assert "c.CourseDirectory.root = '/home/t1/A'" in text and "c.CourseDirectory.groupshared = True" in text
    assert f"'{hubctl.GRADE_MODULE}.feedback.HideHiddenTests'" in text
    compile(text, "nbgrader_config.py", "exec")


def test_student_configuration_uses_the_hardened_exchange(tmp_path):
    layout = hubctl.Layout(tmp_path)
    one = hubctl.nbgrader_config_text(layout, {"A": "student"}, Path("/home/s1"))
    two = hubctl.nbgrader_config_text(layout, {"A": "student", "B": "student"}, Path("/home/s1"))
    for text in (one, two):
        assert "dlhub_exchange.OwnSubmit" in text and "dlhub_exchange.OwnerCheckedCollect" in text
        assert "CourseDirectory.root" not in text and "load_subconfig" not in text
        compile(text, "nbgrader_config.py", "exec")
    assert "c.CourseDirectory.course_id = 'A'" in one and "course_id" not in two


def test_the_feedback_scrubber_named_in_the_configuration_exists():
    module = importlib.import_module(f"{hubctl.GRADE_MODULE}.feedback")
    assert hasattr(module, "HideHiddenTests")
    instructor = (K8S / "jupyter" / "instructor" / "nbgrader_config.py").read_text()
    assert f'"{hubctl.GRADE_MODULE}.feedback.HideHiddenTests"' in instructor


def test_hub_command_help_runs():
    out = subprocess.run([sys.executable, str(REPO / "deploy" / "jupyterhub" / "hubctl.py"), "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--state" in out.stdout and "--remove-accounts" in out.stdout


def test_proxy_pin_is_locked():
    folder = REPO / "deploy" / "jupyterhub"
    wanted = json.loads((folder / "package.json").read_text())["dependencies"]["configurable-http-proxy"]
    lock = json.loads((folder / "package-lock.json").read_text())
    assert re.fullmatch(r"\d+\.\d+\.\d+", wanted), "pin configurable-http-proxy to one version"
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == wanted
    assert lock["packages"][""]["dependencies"]["configurable-http-proxy"] == wanted


# --------------------------------------------------------------------------------------------- Kubernetes

def test_values_yaml_parses_and_plans_exchange_and_course_volume():
    values = yaml.safe_load((K8S / "values.yaml").read_text())
    volume = yaml.safe_load((K8S / "course-volume.yaml").read_text())
    assert values["singleuser"]["image"]["name"] and values["singleuser"]["defaultUrl"] == "/lab"
    assert values["hub"]["services"]["ngshare"]["url"].startswith("http://ngshare.")
    hook = values["hub"]["extraConfig"]["dlcourse-roles"]
    compile(hook, "extraConfig", "exec")
    assert volume["kind"] == "PersistentVolumeClaim" and volume["spec"]["accessModes"] == ["ReadWriteMany"]
    assert f'"claimName": "{volume["metadata"]["name"]}"' in hook, "the hook mounts another claim than course-volume.yaml"
    for role in ("student", "instructor"):
        assert f"/etc/dlcourse/jupyter/{{role}}" in hook and (K8S / "jupyter" / role).is_dir()
    # both roles' exchange is the ngshare service of values.yaml
    url = values["hub"]["services"]["ngshare"]["url"]
    for role in ("student", "instructor"):
        assert f'"{url}/services/ngshare"' in (K8S / "jupyter" / role / "nbgrader_config.py").read_text()


def test_chart_runs_the_same_jupyterhub_major_as_the_user_image():
    text = (K8S / "values.yaml").read_text()
    found = re.search(r"chart: jupyterhub ([\d.]+) \(its hub runs JupyterHub (\d+)", text)
    assert found, "values.yaml must name the chart version and its JupyterHub major version"
    assert f"--version {found.group(1)}" in text
    assert _pyproject_pins()["jupyterhub"].split(".")[0] == found.group(2), (
        "the hub and the single-user servers must run the same major version of JupyterHub: update the chart")


def test_kubernetes_roles_hide_what_the_class_server_hides():
    for role, hidden, off in [("student", hubctl.STUDENT_HIDDEN_LAB, hubctl.STUDENT_OFF_SERVER),
                              ("instructor", hubctl.INSTRUCTOR_HIDDEN_LAB, hubctl.INSTRUCTOR_OFF_SERVER)]:
        page = json.loads((K8S / "jupyter" / role / "labconfig" / "page_config.json").read_text())
        server = json.loads((K8S / "jupyter" / role / "jupyter_server_config.json").read_text())
        assert page == {"disabledExtensions": {p: True for p in hidden}}, role
        assert server == {"ServerApp": {"jpserver_extensions": {e: False for e in off}}}, role


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (K8S / "Dockerfile").read_text()
    joined = re.sub(r"\\\n\s*", " ", "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#")))
    return [(l.split(None, 1)[0].upper(), l.split(None, 1)[1]) for l in joined.splitlines() if l.strip()]


def test_user_image_installs_the_pins_of_pyproject():
    steps = _dockerfile_instructions()
    pins = _pyproject_pins()
    base = next(arg for op, arg in steps if op == "FROM")
    version = re.search(r"python:(\d+)\.(\d+)", base)
    assert version, f"the image should start from an official python image, not {base}"
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11" and (int(version.group(1)), int(version.group(2))) >= (3, 11)
    copies = [arg for op, arg in steps if op == "COPY"]
    assert any(arg.split()[0] == "pyproject.toml" for arg in copies), "the image must install from pyproject.toml"
    assert any(arg.split()[0] == "lib" for arg in copies)
    leaked = [arg for arg in copies for folder in ("source", "grading") if re.search(rf"(^|\s|/){folder}(/|\s)", arg)]
    assert not leaked, f"students run this image: it must not hold the solutions or hidden tests: {leaked}"
    installs = [arg for op, arg in steps if op == "RUN" and "pip install" in arg]
    assert installs, "no pip install in the image"
    project_installed = False
    for command in installs:
        for part in command.split("&&"):
            if "pip install" not in part:
                continue
            words = [w.strip("\"'") for w in part.split("pip install", 1)[1].split()]
            project_installed |= "." in words
            for word in words:
                if word.startswith("-") or word == ".":
                    continue
                m = PIN.match(word)
                assert m, f"the image installs {word!r} without a pinned version"
                name, ver = _norm(m.group(1)), m.group(2)
                assert name not in pins or pins[name] == ver, (
                    f"the image pins {name}=={ver}, pyproject.toml {name}=={pins[name]}")
    assert project_installed, "the image must `pip install .` the course, so that it gets pyproject.toml's pins"


def test_readme_gives_the_grading_commands_by_their_current_name():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## On a server", 1)[1].split("\n## ", 1)[0]
    for command in ("grade", "feedback", "export"):
        assert hubctl.grading_command_text(command) in section, (
            f"README 'On a server' should show `{hubctl.grading_command_text(command)}`")
