// kokkos-erase-memory-spaces: every #kokkos.space goes from every type (function
// signatures, op results, region arguments), casts between spaces become
// identities and go; it runs after kokkos-lower-to-scf, and refuses team
// scratch that is still there.
// RUN: kokkos-opt %s -split-input-file --kokkos-erase-memory-spaces -verify-diagnostics | FileCheck %s
// RUN: kokkos-opt %s -split-input-file --kokkos-lower-to-scf --kokkos-erase-memory-spaces | FileCheck %s --check-prefix=LOWERED

// CHECK-LABEL: func @spaces(%{{.*}}: memref<?xf64>, %{{.*}}: memref<?xf64>, %{{.*}}: memref<4xi64>, %{{.*}}: memref<?x?xf64, strided<[1, ?]>>) -> memref<?xf64>
// CHECK-NOT: #kokkos.space
// CHECK-NOT: memory_space_cast
// CHECK: kokkos.parallel_for default
// CHECK: memref.load %{{.*}} : memref<?xf64>
// CHECK: kokkos.atomic add %{{.*}} : memref<4xi64>
// CHECK: memref.alloc(%{{.*}}) : memref<?xf64>
// CHECK: return %{{.*}} : memref<?xf64>
// LOWERED-LABEL: func @spaces(
// LOWERED-NOT: #kokkos.space
func.func @spaces(%d: memref<?xf64, #kokkos.space<device>>, %p: memref<?xf64, #kokkos.space<host_pinned>>,
                  %s: memref<4xi64, #kokkos.space<shared>>, %l: memref<?x?xf64, strided<[1, ?]>, #kokkos.space<device>>)
    -> memref<?xf64, #kokkos.space<device>> {
  %c0 = arith.constant 0 : index
  %one = arith.constant 1 : i64
  %n = memref.dim %d, %c0 : memref<?xf64, #kokkos.space<device>>
  kokkos.parallel_for default (%i) = (%c0) to (%n) {
    %v = memref.load %d[%i] : memref<?xf64, #kokkos.space<device>>
    memref.store %v, %p[%i] : memref<?xf64, #kokkos.space<host_pinned>>
    %o = kokkos.atomic add %one, %s[%c0] : memref<4xi64, #kokkos.space<shared>>
  }
  %h = memref.memory_space_cast %p : memref<?xf64, #kokkos.space<host_pinned>> to memref<?xf64, #kokkos.space<device>>
  %t = memref.alloc(%n) : memref<?xf64, #kokkos.space<device>>
  kokkos.deep_copy %t, %h : memref<?xf64, #kokkos.space<device>>, memref<?xf64, #kokkos.space<device>>
  return %t : memref<?xf64, #kokkos.space<device>>
}

// -----

// Team scratch must stay in the scratch space until the lowering makes it a
// plain buffer: erasing first is refused.
// LOWERED-LABEL: func @scratch(
// LOWERED-NOT: kokkos.team_scratch
// LOWERED: memref.alloc{{.*}} : memref<8xf64>
func.func @scratch(%x: memref<?xf64>, %n: index) {
  %c0 = arith.constant 0 : index
  kokkos.team_parallel openmp league(%n) team(auto) scratch(64) (%lr, %tr, %ls, %ts) {
    // expected-error @+1 {{'kokkos.team_scratch' op is still here: run kokkos-erase-memory-spaces after kokkos-lower-to-scf, which turns team scratch into plain buffers}}
    %t = kokkos.team_scratch : memref<8xf64, #kokkos.space<scratch>>
    %v = memref.load %x[%lr] : memref<?xf64>
    memref.store %v, %t[%c0] : memref<8xf64, #kokkos.space<scratch>>
  }
  return
}
