/* heat2d writing the field to HDF5 (parallel, collective) every --every steps: the
 * post hoc baseline. The same solver as apps/heat2d. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <mpi.h>

#include "solver.h"

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int64_t nx = 256, ny = 256, steps = 50, every = 10;
    const char *dir = ".";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--nx")) nx = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--ny")) ny = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--steps")) steps = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--every")) every = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--dir")) dir = argv[i + 1];
    }
    heat2d h;
    if (heat2d_init(&h, MPI_COMM_WORLD, nx, ny, 0, 0, 1.0)) MPI_Abort(MPI_COMM_WORLD, 2);
    int rank;
    MPI_Comm_rank(h.cart, &rank);
    double t0 = MPI_Wtime(), io = 0;
    for (int64_t step = 0; step < steps; ++step) {
        heat2d_step(&h, 50.0);
        if (step % every) continue;
        double ti = MPI_Wtime();
        char path[1024];
        snprintf(path, sizeof path, "%s/step_%06lld.h5", dir, (long long)step);
        hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
        H5Pset_fapl_mpio(fapl, h.cart, MPI_INFO_NULL);
        hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        hsize_t gdims[2] = {(hsize_t)nx, (hsize_t)ny}, ldims[2] = {(hsize_t)h.nx, (hsize_t)h.ny};
        hsize_t start[2] = {(hsize_t)h.x0, (hsize_t)h.y0};
        hid_t fs = H5Screate_simple(2, gdims, NULL), ms = H5Screate_simple(2, ldims, NULL);
        hid_t ds = H5Dcreate2(f, "temperature", H5T_NATIVE_DOUBLE, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, ldims, NULL);
        hid_t xfer = H5Pcreate(H5P_DATASET_XFER);
        H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE);
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, ms, fs, xfer, h.T);
        H5Pclose(xfer); H5Dclose(ds); H5Sclose(ms); H5Sclose(fs); H5Fclose(f); H5Pclose(fapl);
        io += MPI_Wtime() - ti;
    }
    double el = MPI_Wtime() - t0, mx, mio;
    MPI_Reduce(&el, &mx, 1, MPI_DOUBLE, MPI_MAX, 0, h.cart);
    MPI_Reduce(&io, &mio, 1, MPI_DOUBLE, MPI_MAX, 0, h.cart);
    if (rank == 0)
        fprintf(stderr, "heat2d_posthoc: %lld steps in %.3f s (%.3f ms/step), io %.3f s\n", (long long)steps, mx,
                1e3 * mx / (double)steps, mio);
    heat2d_free(&h);
    MPI_Finalize();
    return 0;
}
