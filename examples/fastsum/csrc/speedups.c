/*
 * fastsum._speedups: sum_squares(n) = 1*1 + 2*2 + ... + n*n, computed by a C loop.
 *
 * The loop runs without the GIL. The sum is kept in a 128-bit accumulator where the
 * compiler has one (GCC and Clang on 64-bit targets): exact for n <= 10069012961344,
 * far more than a loop reaches in reasonable time. Elsewhere it is kept in 64 bits, exact
 * for n <= 3810777. Beyond that, OverflowError is raised; the result is never wrong.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 acc_t;
#define ACC_BITS 128
#else
typedef unsigned long long acc_t;
#define ACC_BITS 64
#endif

/* A Python int from an accumulator value. */
static PyObject *
acc_to_pylong(acc_t value)
{
#if ACC_BITS == 128
    unsigned long long high = (unsigned long long)(value >> 64);
    unsigned long long low = (unsigned long long)value;
    PyObject *result = NULL, *high_obj = NULL, *shift = NULL, *shifted = NULL, *low_obj = NULL;

    if (high == 0) {
        return PyLong_FromUnsignedLongLong(low);
    }
    high_obj = PyLong_FromUnsignedLongLong(high);
    shift = PyLong_FromLong(64);
    low_obj = PyLong_FromUnsignedLongLong(low);
    if (high_obj != NULL && shift != NULL && low_obj != NULL) {
        shifted = PyNumber_Lshift(high_obj, shift);
        if (shifted != NULL) {
            result = PyNumber_Or(shifted, low_obj);
        }
    }
    Py_XDECREF(high_obj);
    Py_XDECREF(shift);
    Py_XDECREF(shifted);
    Py_XDECREF(low_obj);
    return result;
#else
    return PyLong_FromUnsignedLongLong(value);
#endif
}

PyDoc_STRVAR(sum_squares_doc,
"sum_squares(n, /)\n"
"--\n"
"\n"
"Return 1*1 + 2*2 + ... + n*n (0 for n == 0), computed in C.\n"
"\n"
"Raises ValueError for a negative n and OverflowError if the sum does not fit\n"
"the accumulator.");

static PyObject *
sum_squares(PyObject *module, PyObject *arg)
{
    long long n;
    acc_t total = 0;
    int overflow = 0;

    (void)module;
    if (!PyLong_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "sum_squares() argument must be int, not %.200s",
                     Py_TYPE(arg)->tp_name);
        return NULL;
    }
    n = PyLong_AsLongLong(arg);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "sum_squares() argument must not be negative");
        return NULL;
    }

    Py_BEGIN_ALLOW_THREADS
    for (long long k = 1; k <= n; k++) {
        acc_t square = (acc_t)k * (acc_t)k;
        if ((ACC_BITS == 64 && k > 4294967295LL) || total > (acc_t)~(acc_t)0 - square) {
            overflow = 1;
            break;
        }
        total += square;
    }
    Py_END_ALLOW_THREADS

    if (overflow) {
        PyErr_Format(PyExc_OverflowError, "sum_squares(%lld) does not fit in %d bits",
                     n, ACC_BITS);
        return NULL;
    }
    return acc_to_pylong(total);
}

static PyMethodDef speedups_methods[] = {
    {"sum_squares", sum_squares, METH_O, sum_squares_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "fastsum._speedups",
    .m_doc = "C implementation of fastsum.",
    .m_size = 0,
    .m_methods = speedups_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModuleDef_Init(&speedups_module);
}
