"""JupyterHub configuration of the course's class server (one machine, local accounts).

Started by ``python3 course.py hub ROSTER.csv`` (deploy/jupyterhub/hubctl.py), which prepares the
accounts, course folders and exchange and writes the settings this file reads (``DLHUB_SETTINGS``,
a JSON file in the state folder's hub/). Run by root.

- Login: PAM, the machine's own accounts and passwords. For an institution's login, replace the
  authenticator (see the README, "On a server"): e.g. ``oauthenticator``'s GenericOAuthenticator or
  ``ltiauthenticator``'s LTI 1.3 authenticator, with the same allowed users; the accounts must
  still exist locally (LocalAuthenticator's ``create_system_users``, or the roster).
- Spawner: each user's JupyterLab runs as that user (LocalProcessSpawner) from the course's Python
  environment, with the user's configuration folder (formgrader for instructors, the Assignments
  tab for students) and MNIST's folder in its environment.
- Proxy: configurable-http-proxy from npm (pinned in package.json), started and stopped by the hub.
"""

import json
import os
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821  (provided by JupyterHub)

settings = json.loads(Path(os.environ["DLHUB_SETTINGS"]).read_text())
hub_dir = Path(settings["hub_dir"])


class ClassSpawner(LocalProcessSpawner):
    """A user's JupyterLab as that user, with the environment hubctl.py computed for them.

    The umask keeps what users create out of reach of other accounts (``007``): a student's files
    stay private, and an instructor's files in the shared course folder stay writable by the
    course's other instructors (its group)."""

    def get_env(self):
        env = super().get_env()
        env.update(settings["users"].get(self.user.name, {}).get("env", {}))
        return env

    def make_preexec_fn(self, name):
        switch_user = super().make_preexec_fn(name)

        def preexec():
            os.umask(0o007)
            switch_user()

        return preexec


# Where the hub listens; its API and the proxy's API stay on the loopback interface.
c.JupyterHub.bind_url = f"http://{settings['ip']}:{settings['port']}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{settings['hub_port']}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [settings["proxy"]]
c.ConfigurableHTTPProxy.pid_file = str(hub_dir / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{hub_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(hub_dir / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(hub_dir / "jupyterhub.pid")
# Stopping the hub stops the proxy and everyone's JupyterLab.
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Login with the machine's accounts; only the roster's users.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set(settings["users"])
c.LocalAuthenticator.create_system_users = False
# nbgrader's naming of JupyterHub groups: formgrade-<course> (instructors), nbgrader-<course> (students).
c.JupyterHub.load_groups = {name: {"users": sorted(set(users))} for name, users in settings["groups"].items()}

c.JupyterHub.spawner_class = ClassSpawner
c.Spawner.cmd = [settings["singleuser"]]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
# A user's JupyterLab (and its first kernel) can take a while on a busy machine.
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
