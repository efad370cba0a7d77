/* Bad input gives a clear error naming the key, file or line. */
#include <string.h>
#include "test_util.h"

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) exit(1);
  fputs(text, f);
  fclose(f);
}

static void expect(const char *dft, const char *solute, int code, const char *needle) {
  mdft_params p;
  mdft_solvent *s;
  mdft_site *u;
  int64_t n;
  mdft_error err = {0, ""};
  int rc = mdft_input_load(dft, solute, &p, &s, &u, &n, &err);
  CHECK(rc == code && strstr(err.msg, needle), "expected %s with \"%s\", got %s: %s", mdft_strerror(code), needle,
        mdft_strerror(rc), err.msg);
  if (!rc) { mdft_solvent_free(s); free(u); }
}

int main(void) {
  const char *cq = "mdft_in_cq.dat";
  FILE *f = fopen(cq, "w");
  for (int i = 0; i < 11; i++) fprintf(f, "# header\n");
  fprintf(f, "m 0\nn 0\nmu 0\nnu 0\nkhi 0\n# q c\n0.0 (-1.0,0.0)\n0.1 (-0.9,0.0)\n0.2 -0.8\n");
  fclose(f);
  const char *good = "{\"boxnod\":[8,8,8],\"boxlen\":[10,10,10],\"solvent\":\"spce\",\"mmax\":1,"
                     "\"temperature\":298,\"cq_file\":\"mdft_in_cq.dat\"}";
  put("mdft_in_solute.json", "{\"nsite\":1,\"charge\":[1.0],\"sigma\":[2.9],\"epsilon\":[0.7],\"x\":[0],\"y\":[0],\"z\":[0]}");
  put("mdft_in_good.json", good);
  expect("mdft_in_good.json", "mdft_in_solute.json", MDFT_OK, "");
  put("mdft_in_nommax.json", "{\"boxnod\":[8,8,8],\"boxlen\":[10,10,10],\"solvent\":\"spce\",\"temperature\":298,\"cq_file\":\"mdft_in_cq.dat\"}");
  expect("mdft_in_nommax.json", "mdft_in_solute.json", MDFT_ERR_INPUT, "missing key \"mmax\"");
  put("mdft_in_type.json", "{\"boxnod\":[8,8,8],\"boxlen\":[10,10,10],\"solvent\":\"spce\",\"mmax\":1,\"temperature\":\"hot\",\"cq_file\":\"mdft_in_cq.dat\"}");
  expect("mdft_in_type.json", "mdft_in_solute.json", MDFT_ERR_INPUT, "\"temperature\" must be a number");
  put("mdft_in_arr.json", "{\"boxnod\":[8,8],\"boxlen\":[10,10,10],\"solvent\":\"spce\",\"mmax\":1,\"temperature\":298}");
  expect("mdft_in_arr.json", "mdft_in_solute.json", MDFT_ERR_INPUT, "\"boxnod\" must be an array of 3");
  put("mdft_in_syntax.json", "{\"boxnod\":[8,8,8],\n\"boxlen\": [10,10,10\n}");
  expect("mdft_in_syntax.json", "mdft_in_solute.json", MDFT_ERR_PARSE, "mdft_in_syntax.json:3");
  expect("mdft_in_absent.json", "mdft_in_solute.json", MDFT_ERR_IO, "mdft_in_absent.json");
  put("mdft_in_solv.json", "{\"boxnod\":[8,8,8],\"boxlen\":[10,10,10],\"solvent\":\"argon\",\"mmax\":1,\"temperature\":298}");
  expect("mdft_in_solv.json", "mdft_in_solute.json", MDFT_ERR_INPUT, "unknown solvent \"argon\"");
  put("mdft_in_badsolute.json", "{\"nsite\":2,\"charge\":[1.0,0],\"sigma\":[2.9],\"epsilon\":[0.7,1],\"x\":[0,0],\"y\":[0,0],\"z\":[0,0]}");
  expect("mdft_in_good.json", "mdft_in_badsolute.json", MDFT_ERR_INPUT, "\"sigma\" must be an array of 2");
  /* Mini_MDFT's own input/dft.json, verbatim (no "cq_file"; "restart" ignored): the c(q)
   * file comes from the caller as Mini_MDFT's -luc_file, else a clear error naming both ways */
  put("mdft_in_mini.json", "{\n    \"boxnod\": [64, 64, 64],\n    \"boxlen\": [30, 30, 30],\n"
      "    \"solvent\": \"spce\",\n    \"mmax\": 5,\n    \"maximum_iteration_nbr\": 35,\n"
      "    \"precision_factor\": 1.0,\n    \"solute_charges_scale_factor\": 1.0,\n"
      "    \"hard_sphere_solute\": false,\n    \"hard_sphere_solute_radius\": 15,\n"
      "    \"temperature\": 298,\n    \"restart\": true\n}");
  put("mdft_in_mini_solute.json", "{\n    \"nsite\": 1,\n    \"charge\": [1.0],\n    \"sigma\": [2.93],\n"
      "    \"epsilon\": [0.759],\n    \"x\": [0.0],\n    \"y\": [0.0],\n    \"z\": [0.0],\n"
      "    \"Zatomic\": [17],\n    \"Atom Name\": [\"I\"],\n    \"Surname\": [\"I-1\"]\n}");
  expect("mdft_in_mini.json", "mdft_in_mini_solute.json", MDFT_ERR_INPUT,
         "mdft_in_mini.json: no c(q) file: missing key \"cq_file\" and none given on the command line "
         "(mdft run ... -luc_file FILE");
  {
    mdft_params p;
    mdft_solvent *s = NULL;
    mdft_site *u = NULL;
    int64_t n = 0;
    mdft_error err = {0, ""};
    int rc = mdft_input_load_cq("mdft_in_mini.json", "mdft_in_mini_solute.json", cq, &p, &s, &u, &n, &err);
    CHECK(rc == MDFT_OK, "Mini_MDFT input with -luc_file: %s", err.msg);
    if (!rc) {
      CHECK(p.boxnod[0] == 64 && p.boxnod[2] == 64 && p.boxlen[1] == 30 && p.mmax == 5 && p.max_iter == 35 &&
            p.temperature == 298 && !p.hard_sphere && p.hs_radius == 15 && mdft_solvent_mrso(s) == 2,
            "Mini_MDFT input read wrong: boxnod %lld mmax %d iter %lld T %g hs %d/%g",
            (long long)p.boxnod[0], p.mmax, (long long)p.max_iter, p.temperature, p.hard_sphere, p.hs_radius);
      CHECK(n == 1 && u[0].charge == 1.0 && u[0].sigma == 2.93 && u[0].epsilon == 0.759,
            "Mini_MDFT solute read wrong");
      mdft_solvent_free(s);
      free(u);
    }
    /* the given file wins over "cq_file" (here one that does not exist) */
    put("mdft_in_both.json", "{\"boxnod\":[8,8,8],\"boxlen\":[10,10,10],\"solvent\":\"spce\",\"mmax\":1,"
        "\"temperature\":298,\"cq_file\":\"absent_cq.dat\"}");
    rc = mdft_input_load_cq("mdft_in_both.json", "mdft_in_solute.json", cq, &p, &s, &u, &n, &err);
    CHECK(rc == MDFT_OK, "given c(q) file over cq_file: %s", err.msg);
    if (!rc) { mdft_solvent_free(s); free(u); }
    rc = mdft_input_load_cq("mdft_in_mini.json", "mdft_in_mini_solute.json", "absent_luc", &p, &s, &u, &n, &err);
    CHECK(rc == MDFT_ERR_IO && strstr(err.msg, "absent_luc"), "missing -luc_file: %s", err.msg);
  }
  /* c(q) file with a bad value on line 20 */
  f = fopen(cq, "w");
  for (int i = 0; i < 11; i++) fprintf(f, "# header\n");
  fprintf(f, "m 0\nn 0\nmu 0\nnu 0\nkhi 0\n# q c\n0.0 (-1.0,0.0)\n0.1 (-0.9,0.0)\n0.2 (-0.8,x)\n");
  fclose(f);
  expect("mdft_in_good.json", "mdft_in_solute.json", MDFT_ERR_PARSE, "mdft_in_cq.dat:20: bad or missing value in column 2");
  f = fopen(cq, "w");
  for (int i = 0; i < 11; i++) fprintf(f, "# header\n");
  fprintf(f, "m 0\nn 0\nmu 0 0\nnu 0\nkhi 0\n");
  fclose(f);
  expect("mdft_in_good.json", "mdft_in_solute.json", MDFT_ERR_PARSE, "mdft_in_cq.dat:14: more 'mu' indices");
  if (!t_failures) printf("input errors: all checks passed\n");
  return t_failures ? 1 : 0;
}
