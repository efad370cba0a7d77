/* The C side of the Fortran binding: what ISO_C_BINDING cannot express directly
 * (a Fortran MPI communicator handle). */
#include <mpi.h>

#include "situ.h"

int situ_init_fortran(MPI_Fint comm, const char *config_path, situ_ctx **out) {
    return situ_init(MPI_Comm_f2c(comm), config_path, out);
}
