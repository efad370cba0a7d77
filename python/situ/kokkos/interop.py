def to_jax(k): raise NotImplementedError
def to_torch(k): raise NotImplementedError
