def jax_source(k): raise NotImplementedError
def torch_source(k): raise NotImplementedError
