! A Fortran simulation for tests/python/test_fortran.py: T(nx, ny) split over ranks
! along its last (slowest) dimension, T(i, j) = 1000*step + 10*i + j (1-based i, j).
program fortran_sim
  use, intrinsic :: iso_c_binding
  use mpi
  use situ
  implicit none
  integer, parameter :: nx = 5, ny = 12, nsteps = 3
  integer :: ierr, rank, size, j0, myny, i, j, step
  type(c_ptr) :: ctx
  real(c_double), allocatable, target :: T(:, :)
  real(c_double) :: gain

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, size, ierr)
  j0 = rank * ny / size
  myny = (rank + 1) * ny / size - j0
  allocate(T(nx, myny))

  ierr = situ_init(MPI_COMM_WORLD, ctx)
  if (ierr /= SITU_OK) call fail("init", ierr)
  ierr = situ_array_define(ctx, "T", SITU_F64, [nx, ny], [0, j0], [nx, myny])
  if (ierr /= SITU_OK) call fail("define", ierr)
  ! bad input is reported, not fatal
  ierr = situ_expose(ctx, "nope", 0_c_int64_t, c_loc(T))
  if (rank == 0) write(0, '(a, i0, 2a)') "fortran_sim: unknown array -> ", ierr, " ", situ_errmsg(ctx)

  do step = 0, nsteps - 1
    do j = 1, myny
      do i = 1, nx
        T(i, j) = 1000.0d0 * step + 10.0d0 * i + (j0 + j)
      end do
    end do
    ierr = situ_expose(ctx, "T", int(step, c_int64_t), c_loc(T))
    if (ierr /= SITU_OK) call fail("expose", ierr)
    ierr = situ_step_end(ctx, int(step, c_int64_t))
  end do
  if (situ_steer_get_f64(ctx, "never-set", gain) == SITU_NOT_SET .and. rank == 0) &
       write(0, '(a)') "fortran_sim: steering not set, as expected"
  ierr = situ_finalize(ctx)
  call MPI_Finalize(ierr)
contains
  subroutine fail(what, code)
    character(len=*), intent(in) :: what
    integer, intent(in) :: code
    write(0, '(4a)') "fortran_sim: ", what, ": ", situ_strerror(code)
    write(0, '(a)') situ_errmsg(ctx)
    call MPI_Abort(MPI_COMM_WORLD, 1, ierr)
  end subroutine
end program
