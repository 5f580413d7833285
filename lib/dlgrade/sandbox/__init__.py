"""Process isolation for student code: bubblewrap, resource limits, a seccomp filter, and the grader's ends.

- :mod:`~dlgrade.sandbox.launch`: the one launcher (resource limits, then ``exec``) that every process
  running student code starts through;
- :mod:`~dlgrade.sandbox.bwrap`: what a sandboxed process may see (:func:`command`), how it starts
  (:func:`launch_command`), whether bubblewrap works here (:func:`probe`, :func:`require`), and the gate
  of every grading path (:func:`sandbox_or_refuse`: refuse, or warn loudly when told to go on);
- :mod:`~dlgrade.sandbox.seccomp`: the filter that refuses new processes;
- :mod:`~dlgrade.sandbox.kernel`: the one kernel manager (sandboxed Jupyter kernels for the notebook run);
- :mod:`~dlgrade.sandbox.session`: a sandboxed Python process holding a student's answer cells, whose
  functions the grader calls with plain data (:class:`Session`, :class:`Remote`);
- :mod:`~dlgrade.sandbox._runner`: the program inside that process, and the wire format.

Importing this package loads neither nbgrader nor jupyter_client (``kernel`` does).
"""

from .bwrap import Limits, SandboxUnavailable, launch_command, probe, require, sandbox_or_refuse

__all__ = ["Limits", "SandboxUnavailable", "launch_command", "probe", "require", "sandbox_or_refuse"]
