// Kernels of the atomic and reducer checks (atomics_reducers.h): every
// atomic kind on every element type CUDA has atomics for, and the reducers
// prod, min, max, land, lor, band, bor in parallel_reduce and in
// team_thread_reduce. Run by the CPU JIT (jit_atomics) and, from the emitted
// CUDA committed under tests/dialect/gpu, on a GPU (gpu_atomics_reducers.cu).
// Not a lit test (inputs/ is excluded); emit-atomics.mlir FileChecks it.


// t[i % m] = add(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_add_i32(%x: memref<?xi32, #kokkos.space<device>>, %t: memref<?xi32, #kokkos.space<device>>, %old: memref<?xi32, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi32, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi32, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi32, #kokkos.space<device>>
    %o = kokkos.atomic add %v, %t[%j] : memref<?xi32, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi32, #kokkos.space<device>>
  }
  return
}

// t[i % m] = add(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_add_i64(%x: memref<?xi64, #kokkos.space<device>>, %t: memref<?xi64, #kokkos.space<device>>, %old: memref<?xi64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi64, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi64, #kokkos.space<device>>
    %o = kokkos.atomic add %v, %t[%j] : memref<?xi64, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi64, #kokkos.space<device>>
  }
  return
}

// t[i % m] = add(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_add_f32(%x: memref<?xf32, #kokkos.space<device>>, %t: memref<?xf32, #kokkos.space<device>>, %old: memref<?xf32, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xf32, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xf32, #kokkos.space<device>>
    %o = kokkos.atomic add %v, %t[%j] : memref<?xf32, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xf32, #kokkos.space<device>>
  }
  return
}

// t[i % m] = add(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_add_f64(%x: memref<?xf64, #kokkos.space<device>>, %t: memref<?xf64, #kokkos.space<device>>, %old: memref<?xf64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf64, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xf64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xf64, #kokkos.space<device>>
    %o = kokkos.atomic add %v, %t[%j] : memref<?xf64, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xf64, #kokkos.space<device>>
  }
  return
}

// t[i % m] = sub(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_sub_i32(%x: memref<?xi32, #kokkos.space<device>>, %t: memref<?xi32, #kokkos.space<device>>, %old: memref<?xi32, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi32, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi32, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi32, #kokkos.space<device>>
    %o = kokkos.atomic sub %v, %t[%j] : memref<?xi32, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi32, #kokkos.space<device>>
  }
  return
}

// t[i % m] = sub(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_sub_i64(%x: memref<?xi64, #kokkos.space<device>>, %t: memref<?xi64, #kokkos.space<device>>, %old: memref<?xi64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi64, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi64, #kokkos.space<device>>
    %o = kokkos.atomic sub %v, %t[%j] : memref<?xi64, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi64, #kokkos.space<device>>
  }
  return
}

// t[i % m] = sub(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_sub_f32(%x: memref<?xf32, #kokkos.space<device>>, %t: memref<?xf32, #kokkos.space<device>>, %old: memref<?xf32, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xf32, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xf32, #kokkos.space<device>>
    %o = kokkos.atomic sub %v, %t[%j] : memref<?xf32, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xf32, #kokkos.space<device>>
  }
  return
}

// t[i % m] = sub(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_sub_f64(%x: memref<?xf64, #kokkos.space<device>>, %t: memref<?xf64, #kokkos.space<device>>, %old: memref<?xf64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf64, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xf64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xf64, #kokkos.space<device>>
    %o = kokkos.atomic sub %v, %t[%j] : memref<?xf64, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xf64, #kokkos.space<device>>
  }
  return
}

// t[i % m] = min(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_min_i32(%x: memref<?xi32, #kokkos.space<device>>, %t: memref<?xi32, #kokkos.space<device>>, %old: memref<?xi32, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi32, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi32, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi32, #kokkos.space<device>>
    %o = kokkos.atomic min %v, %t[%j] : memref<?xi32, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi32, #kokkos.space<device>>
  }
  return
}

// t[i % m] = min(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_min_i64(%x: memref<?xi64, #kokkos.space<device>>, %t: memref<?xi64, #kokkos.space<device>>, %old: memref<?xi64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi64, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi64, #kokkos.space<device>>
    %o = kokkos.atomic min %v, %t[%j] : memref<?xi64, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi64, #kokkos.space<device>>
  }
  return
}

// t[i % m] = min(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_min_f32(%x: memref<?xf32, #kokkos.space<device>>, %t: memref<?xf32, #kokkos.space<device>>, %old: memref<?xf32, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xf32, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xf32, #kokkos.space<device>>
    %o = kokkos.atomic min %v, %t[%j] : memref<?xf32, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xf32, #kokkos.space<device>>
  }
  return
}

// t[i % m] = min(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_min_f64(%x: memref<?xf64, #kokkos.space<device>>, %t: memref<?xf64, #kokkos.space<device>>, %old: memref<?xf64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf64, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xf64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xf64, #kokkos.space<device>>
    %o = kokkos.atomic min %v, %t[%j] : memref<?xf64, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xf64, #kokkos.space<device>>
  }
  return
}

// t[i % m] = max(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_max_i32(%x: memref<?xi32, #kokkos.space<device>>, %t: memref<?xi32, #kokkos.space<device>>, %old: memref<?xi32, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi32, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi32, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi32, #kokkos.space<device>>
    %o = kokkos.atomic max %v, %t[%j] : memref<?xi32, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi32, #kokkos.space<device>>
  }
  return
}

// t[i % m] = max(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_max_i64(%x: memref<?xi64, #kokkos.space<device>>, %t: memref<?xi64, #kokkos.space<device>>, %old: memref<?xi64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi64, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi64, #kokkos.space<device>>
    %o = kokkos.atomic max %v, %t[%j] : memref<?xi64, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi64, #kokkos.space<device>>
  }
  return
}

// t[i % m] = max(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_max_f32(%x: memref<?xf32, #kokkos.space<device>>, %t: memref<?xf32, #kokkos.space<device>>, %old: memref<?xf32, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xf32, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xf32, #kokkos.space<device>>
    %o = kokkos.atomic max %v, %t[%j] : memref<?xf32, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xf32, #kokkos.space<device>>
  }
  return
}

// t[i % m] = max(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_max_f64(%x: memref<?xf64, #kokkos.space<device>>, %t: memref<?xf64, #kokkos.space<device>>, %old: memref<?xf64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf64, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xf64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xf64, #kokkos.space<device>>
    %o = kokkos.atomic max %v, %t[%j] : memref<?xf64, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xf64, #kokkos.space<device>>
  }
  return
}

// t[i % m] = band(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_band_i32(%x: memref<?xi32, #kokkos.space<device>>, %t: memref<?xi32, #kokkos.space<device>>, %old: memref<?xi32, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi32, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi32, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi32, #kokkos.space<device>>
    %o = kokkos.atomic band %v, %t[%j] : memref<?xi32, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi32, #kokkos.space<device>>
  }
  return
}

// t[i % m] = band(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_band_i64(%x: memref<?xi64, #kokkos.space<device>>, %t: memref<?xi64, #kokkos.space<device>>, %old: memref<?xi64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi64, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi64, #kokkos.space<device>>
    %o = kokkos.atomic band %v, %t[%j] : memref<?xi64, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi64, #kokkos.space<device>>
  }
  return
}

// t[i % m] = bor(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_bor_i32(%x: memref<?xi32, #kokkos.space<device>>, %t: memref<?xi32, #kokkos.space<device>>, %old: memref<?xi32, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi32, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi32, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi32, #kokkos.space<device>>
    %o = kokkos.atomic bor %v, %t[%j] : memref<?xi32, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi32, #kokkos.space<device>>
  }
  return
}

// t[i % m] = bor(t[i % m], x[i]); old[i] = the value before.
func.func @atomic_bor_i64(%x: memref<?xi64, #kokkos.space<device>>, %t: memref<?xi64, #kokkos.space<device>>, %old: memref<?xi64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi64, #kokkos.space<device>>
  %m = memref.dim %t, %c0 : memref<?xi64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %j = arith.remsi %i, %m : index
    %v = memref.load %x[%i] : memref<?xi64, #kokkos.space<device>>
    %o = kokkos.atomic bor %v, %t[%j] : memref<?xi64, #kokkos.space<device>>
    memref.store %o, %old[%i] : memref<?xi64, #kokkos.space<device>>
  }
  return
}

// Reducers over x[0..n): results in the order of the reduce list.

func.func @reduce_f64(%x: memref<?xf64, #kokkos.space<device>>) -> (f64, f64, f64) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf64, #kokkos.space<device>>
  %r:3 = kokkos.parallel_reduce default (%i) = (%c0) to (%n) reduce [prod, min, max] -> f64, f64, f64 {
    %v = memref.load %x[%i] : memref<?xf64, #kokkos.space<device>>
    kokkos.yield %v, %v, %v : f64, f64, f64
  }
  return %r#0, %r#1, %r#2 : f64, f64, f64
}

func.func @reduce_f32(%x: memref<?xf32, #kokkos.space<device>>) -> (f32, f32, f32) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32, #kokkos.space<device>>
  %r:3 = kokkos.parallel_reduce default (%i) = (%c0) to (%n) reduce [prod, min, max] -> f32, f32, f32 {
    %v = memref.load %x[%i] : memref<?xf32, #kokkos.space<device>>
    kokkos.yield %v, %v, %v : f32, f32, f32
  }
  return %r#0, %r#1, %r#2 : f32, f32, f32
}

func.func @reduce_i32(%x: memref<?xi32, #kokkos.space<device>>) -> (i32, i32, i32, i32, i32) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi32, #kokkos.space<device>>
  %r:5 = kokkos.parallel_reduce default (%i) = (%c0) to (%n) reduce [prod, min, max, band, bor] -> i32, i32, i32, i32, i32 {
    %v = memref.load %x[%i] : memref<?xi32, #kokkos.space<device>>
    kokkos.yield %v, %v, %v, %v, %v : i32, i32, i32, i32, i32
  }
  return %r#0, %r#1, %r#2, %r#3, %r#4 : i32, i32, i32, i32, i32
}

func.func @reduce_i64(%x: memref<?xi64, #kokkos.space<device>>) -> (i64, i64, i64, i64, i64) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xi64, #kokkos.space<device>>
  %r:5 = kokkos.parallel_reduce default (%i) = (%c0) to (%n) reduce [prod, min, max, band, bor] -> i64, i64, i64, i64, i64 {
    %v = memref.load %x[%i] : memref<?xi64, #kokkos.space<device>>
    kokkos.yield %v, %v, %v, %v, %v : i64, i64, i64, i64, i64
  }
  return %r#0, %r#1, %r#2, %r#3, %r#4 : i64, i64, i64, i64, i64
}

// land of x[i] > 0, lor of x[i] < 0.
func.func @reduce_bool(%x: memref<?xi32, #kokkos.space<device>>) -> (i1, i1) {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0 : i32
  %n = memref.dim %x, %c0 : memref<?xi32, #kokkos.space<device>>
  %r:2 = kokkos.parallel_reduce default (%i) = (%c0) to (%n) reduce [land, lor] -> i1, i1 {
    %v = memref.load %x[%i] : memref<?xi32, #kokkos.space<device>>
    %pos = arith.cmpi sgt, %v, %z : i32
    %neg = arith.cmpi slt, %v, %z : i32
    kokkos.yield %pos, %neg : i1, i1
  }
  return %r#0, %r#1 : i1, i1
}

// TeamPolicy: team_thread_reduce per row (warp shuffles for whole warps,
// thread 0 joins otherwise).

// Row r of x reduced by a team of %ts threads; out[r, k] = reducer k's result.
func.func @team_reduce_f64(%x: memref<?x?xf64, #kokkos.space<device>>, %ts: index, %out: memref<?x3xf64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0 : i32
  %rows = memref.dim %x, %c0 : memref<?x?xf64, #kokkos.space<device>>
  %cols = memref.dim %x, %c1 : memref<?x?xf64, #kokkos.space<device>>
  kokkos.team_parallel default league(%rows) team(%ts) (%lr, %tr, %ls, %tsz) {
    %r:3 = kokkos.team_thread_reduce (%j) = (%c0) to (%cols) reduce [prod, min, max] -> f64, f64, f64 {
    %v = memref.load %x[%lr, %j] : memref<?x?xf64, #kokkos.space<device>>
    kokkos.yield %v, %v, %v : f64, f64, f64
    }
    %c0_ = arith.constant 0 : index
    memref.store %r#0, %out[%lr, %c0_] : memref<?x3xf64, #kokkos.space<device>>
    %c1_ = arith.constant 1 : index
    memref.store %r#1, %out[%lr, %c1_] : memref<?x3xf64, #kokkos.space<device>>
    %c2_ = arith.constant 2 : index
    memref.store %r#2, %out[%lr, %c2_] : memref<?x3xf64, #kokkos.space<device>>
  }
  return
}

// Row r of x reduced by a team of %ts threads; out[r, k] = reducer k's result.
func.func @team_reduce_i64(%x: memref<?x?xi64, #kokkos.space<device>>, %ts: index, %out: memref<?x5xi64, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0 : i32
  %rows = memref.dim %x, %c0 : memref<?x?xi64, #kokkos.space<device>>
  %cols = memref.dim %x, %c1 : memref<?x?xi64, #kokkos.space<device>>
  kokkos.team_parallel default league(%rows) team(%ts) (%lr, %tr, %ls, %tsz) {
    %r:5 = kokkos.team_thread_reduce (%j) = (%c0) to (%cols) reduce [prod, min, max, band, bor] -> i64, i64, i64, i64, i64 {
    %v = memref.load %x[%lr, %j] : memref<?x?xi64, #kokkos.space<device>>
    kokkos.yield %v, %v, %v, %v, %v : i64, i64, i64, i64, i64
    }
    %c0_ = arith.constant 0 : index
    memref.store %r#0, %out[%lr, %c0_] : memref<?x5xi64, #kokkos.space<device>>
    %c1_ = arith.constant 1 : index
    memref.store %r#1, %out[%lr, %c1_] : memref<?x5xi64, #kokkos.space<device>>
    %c2_ = arith.constant 2 : index
    memref.store %r#2, %out[%lr, %c2_] : memref<?x5xi64, #kokkos.space<device>>
    %c3_ = arith.constant 3 : index
    memref.store %r#3, %out[%lr, %c3_] : memref<?x5xi64, #kokkos.space<device>>
    %c4_ = arith.constant 4 : index
    memref.store %r#4, %out[%lr, %c4_] : memref<?x5xi64, #kokkos.space<device>>
  }
  return
}

// Row r of x reduced by a team of %ts threads; out[r, k] = reducer k's result.
func.func @team_reduce_bool(%x: memref<?x?xi32, #kokkos.space<device>>, %ts: index, %out: memref<?x2xi1, #kokkos.space<device>>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0 : i32
  %rows = memref.dim %x, %c0 : memref<?x?xi32, #kokkos.space<device>>
  %cols = memref.dim %x, %c1 : memref<?x?xi32, #kokkos.space<device>>
  kokkos.team_parallel default league(%rows) team(%ts) (%lr, %tr, %ls, %tsz) {
    %r:2 = kokkos.team_thread_reduce (%j) = (%c0) to (%cols) reduce [land, lor] -> i1, i1 {
    %v = memref.load %x[%lr, %j] : memref<?x?xi32, #kokkos.space<device>>
    %pos = arith.cmpi sgt, %v, %z : i32
    %neg = arith.cmpi slt, %v, %z : i32
    kokkos.yield %pos, %neg : i1, i1
    }
    %c0_ = arith.constant 0 : index
    memref.store %r#0, %out[%lr, %c0_] : memref<?x2xi1, #kokkos.space<device>>
    %c1_ = arith.constant 1 : index
    memref.store %r#1, %out[%lr, %c1_] : memref<?x2xi1, #kokkos.space<device>>
  }
  return
}
