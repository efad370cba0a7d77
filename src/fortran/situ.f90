! situ — Fortran binding of include/situ.h (ISO_C_BINDING).
!
!   use situ
!   type(c_ptr) :: ctx
!   integer :: ierr
!   ierr = situ_init(MPI_COMM_WORLD, ctx, "situ.yml")   ! the config is optional
!   ierr = situ_array_define(ctx, "T", SITU_F64, [nx, ny], [x0, y0], [mx, my])
!   do step = 0, nsteps - 1
!     ierr = situ_expose(ctx, "T", int(step, c_int64_t), c_loc(T))
!     ierr = situ_step_end(ctx, int(step, c_int64_t))
!   end do
!   ierr = situ_finalize(ctx)
!
! Shapes, starts and counts are given in Fortran order (first index fastest) and
! 0-based starts; the binding reverses them, so the analytics see the array with its
! dimensions in C order: a Fortran T(nx, ny) arrives as a Dask array of shape (ny, nx).
module situ
  use, intrinsic :: iso_c_binding
  implicit none
  private

  integer(c_int), parameter, public :: SITU_OK = 0, SITU_NOT_SET = 1
  integer(c_int), parameter, public :: SITU_ERR_ARG = -1, SITU_ERR_CONFIG = -2, &
       SITU_ERR_NOMEM = -3, SITU_ERR_UNKNOWN_ARRAY = -4, SITU_ERR_DTYPE = -5, &
       SITU_ERR_SHAPE = -6, SITU_ERR_LAYOUT = -7, SITU_ERR_EXISTS = -8, &
       SITU_ERR_CONNECT = -9, SITU_ERR_PROTOCOL = -10, SITU_ERR_MPI = -11, &
       SITU_ERR_SYSTEM = -12, SITU_ERR_STATE = -13
  integer(c_int), parameter, public :: SITU_F32 = 0, SITU_F64 = 1, SITU_I32 = 2, &
       SITU_I64 = 3, SITU_U8 = 4

  public :: situ_init, situ_finalize, situ_array_define, situ_expose, situ_step_end, &
       situ_flush, situ_steer_get_f64, situ_steer_get_i64, situ_errmsg, situ_strerror

  interface
    integer(c_int) function c_init(comm, path, ctx) bind(C, name="situ_init_fortran")
      import :: c_int, c_char, c_ptr
      integer(c_int), value :: comm
      character(kind=c_char), intent(in) :: path(*)
      type(c_ptr), intent(out) :: ctx
    end function
    integer(c_int) function c_init_noconf(comm, path, ctx) bind(C, name="situ_init_fortran")
      import :: c_int, c_ptr
      integer(c_int), value :: comm
      type(c_ptr), value :: path
      type(c_ptr), intent(out) :: ctx
    end function
    integer(c_int) function c_finalize(ctx) bind(C, name="situ_finalize")
      import :: c_int, c_ptr
      type(c_ptr), intent(inout) :: ctx
    end function
    integer(c_int) function c_define(ctx, name, dtype, ndim, shape, start, count) &
         bind(C, name="situ_array_define")
      import :: c_int, c_char, c_ptr, c_int64_t
      type(c_ptr), value :: ctx
      character(kind=c_char), intent(in) :: name(*)
      integer(c_int), value :: dtype, ndim
      integer(c_int64_t), intent(in) :: shape(*), start(*), count(*)
    end function
    integer(c_int) function c_expose(ctx, name, step, data) bind(C, name="situ_expose")
      import :: c_int, c_char, c_ptr, c_int64_t
      type(c_ptr), value :: ctx
      character(kind=c_char), intent(in) :: name(*)
      integer(c_int64_t), value :: step
      type(c_ptr), value :: data
    end function
    integer(c_int) function c_step_end(ctx, step) bind(C, name="situ_step_end")
      import :: c_int, c_ptr, c_int64_t
      type(c_ptr), value :: ctx
      integer(c_int64_t), value :: step
    end function
    integer(c_int) function c_flush(ctx, timeout) bind(C, name="situ_flush")
      import :: c_int, c_ptr, c_double
      type(c_ptr), value :: ctx
      real(c_double), value :: timeout
    end function
    integer(c_int) function c_get_f64(ctx, key, v) bind(C, name="situ_steer_get_f64")
      import :: c_int, c_char, c_ptr, c_double
      type(c_ptr), value :: ctx
      character(kind=c_char), intent(in) :: key(*)
      real(c_double), intent(out) :: v
    end function
    integer(c_int) function c_get_i64(ctx, key, v) bind(C, name="situ_steer_get_i64")
      import :: c_int, c_char, c_ptr, c_int64_t
      type(c_ptr), value :: ctx
      character(kind=c_char), intent(in) :: key(*)
      integer(c_int64_t), intent(out) :: v
    end function
    type(c_ptr) function c_errmsg(ctx) bind(C, name="situ_errmsg")
      import :: c_ptr
      type(c_ptr), value :: ctx
    end function
    type(c_ptr) function c_strerror(status) bind(C, name="situ_strerror")
      import :: c_ptr, c_int
      integer(c_int), value :: status
    end function
    integer(c_size_t) function c_strlen(s) bind(C, name="strlen")
      import :: c_size_t, c_ptr
      type(c_ptr), value :: s
    end function
  end interface

contains

  integer function situ_init(comm, ctx, config)
    integer, intent(in) :: comm
    type(c_ptr), intent(out) :: ctx
    character(len=*), intent(in), optional :: config
    if (present(config)) then
      situ_init = c_init(int(comm, c_int), trim(config)//c_null_char, ctx)
    else
      situ_init = c_init_noconf(int(comm, c_int), c_null_ptr, ctx)
    end if
  end function

  integer function situ_finalize(ctx)
    type(c_ptr), intent(inout) :: ctx
    situ_finalize = c_finalize(ctx)
  end function

  ! shape, start (0-based) and count in Fortran order; reversed for C.
  integer function situ_array_define(ctx, name, dtype, shape, start, count)
    type(c_ptr), intent(in) :: ctx
    character(len=*), intent(in) :: name
    integer(c_int), intent(in) :: dtype
    integer, intent(in) :: shape(:), start(:), count(:)
    integer(c_int64_t) :: s(size(shape)), b(size(shape)), c(size(shape))
    integer :: n
    n = size(shape)
    if (size(start) /= n .or. size(count) /= n) then
      situ_array_define = SITU_ERR_ARG
      return
    end if
    s = int(shape(n:1:-1), c_int64_t)
    b = int(start(n:1:-1), c_int64_t)
    c = int(count(n:1:-1), c_int64_t)
    situ_array_define = c_define(ctx, trim(name)//c_null_char, dtype, int(n, c_int), s, b, c)
  end function

  integer function situ_expose(ctx, name, step, data)
    type(c_ptr), intent(in) :: ctx
    character(len=*), intent(in) :: name
    integer(c_int64_t), intent(in) :: step
    type(c_ptr), intent(in) :: data
    situ_expose = c_expose(ctx, trim(name)//c_null_char, step, data)
  end function

  integer function situ_step_end(ctx, step)
    type(c_ptr), intent(in) :: ctx
    integer(c_int64_t), intent(in) :: step
    situ_step_end = c_step_end(ctx, step)
  end function

  integer function situ_flush(ctx, timeout)
    type(c_ptr), intent(in) :: ctx
    real(c_double), intent(in) :: timeout
    situ_flush = c_flush(ctx, timeout)
  end function

  integer function situ_steer_get_f64(ctx, key, v)
    type(c_ptr), intent(in) :: ctx
    character(len=*), intent(in) :: key
    real(c_double), intent(out) :: v
    situ_steer_get_f64 = c_get_f64(ctx, trim(key)//c_null_char, v)
  end function

  integer function situ_steer_get_i64(ctx, key, v)
    type(c_ptr), intent(in) :: ctx
    character(len=*), intent(in) :: key
    integer(c_int64_t), intent(out) :: v
    situ_steer_get_i64 = c_get_i64(ctx, trim(key)//c_null_char, v)
  end function

  ! The C strings, as Fortran strings.
  function to_fortran(p) result(s)
    type(c_ptr), intent(in) :: p
    character(len=:), allocatable :: s
    character(kind=c_char), pointer :: chars(:)
    integer :: i, n
    n = int(c_strlen(p))
    call c_f_pointer(p, chars, [n])
    allocate(character(len=n) :: s)
    do i = 1, n
      s(i:i) = chars(i)
    end do
  end function

  function situ_errmsg(ctx) result(s)
    type(c_ptr), intent(in) :: ctx
    character(len=:), allocatable :: s
    s = to_fortran(c_errmsg(ctx))
  end function

  function situ_strerror(status) result(s)
    integer, intent(in) :: status
    character(len=:), allocatable :: s
    s = to_fortran(c_strerror(int(status, c_int)))
  end function
end module situ
