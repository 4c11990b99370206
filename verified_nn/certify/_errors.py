"""The exception type of certification: a network or a request the certifier cannot handle."""


class CertifyError(ValueError):
    """The network is not one the certifier handles (a layer kind, a dtype, a size), or a request is invalid."""


CertifyError.__module__ = "verified_nn.certify"
