/* The Linux side of `make bench` (issue 6): /init of a tiny initramfs,
 * booted by tests/bench/linux/run_linux.py under the same QEMU flags as
 * faultline (-icount shift=0: rdtsc counts guest instructions exactly).
 * Static (gcc -static -O2), no libc beyond glibc's static archive.
 *
 *   /init [COUNT]   (COUNT from the kernel command line: bench.count=N)
 *
 * Rows, as faultline's bench prints them:
 *   bench: NAME median N min N count N
 *   benchjson: {"name":...,"median":N,"min":N,"count":N,...}
 * then powers the machine off.
 *
 *   null_syscall      syscall(SYS_getppid)
 *   pipe_round_trip   one byte to a child process over a pipe and back over another
 *   anon_fault        first write to a page of a private anonymous mapping (THP off)
 *   file_fault_warm   first read of a page of a read-only file mapping, the file
 *                     already read once (page-cache hit); fault-around set to one
 *                     page through debugfs when possible, else every 16th page
 *   uffd_zeropage     first read of a userfaultfd-registered page, resolved by a
 *                     handler thread with UFFDIO_ZEROPAGE
 *   uffd_copy         same, resolved with UFFDIO_COPY of a prepared page
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define MAX_SAMPLES 8192

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t samples[MAX_SAMPLES];
static size_t nsamples;
static uint64_t overhead;

static void reset(void) { nsamples = 0; }
static void add(uint64_t v)
{
    if (nsamples < MAX_SAMPLES)
        samples[nsamples++] = v;
}
static void add_timed(uint64_t t0, uint64_t t1) { add(t1 - t0 > overhead ? t1 - t0 - overhead : 0); }

static int cmp(const void* a, const void* b)
{
    uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
    return x < y ? -1 : x > y;
}

static void report(const char* name, const char* note)
{
    if (!nsamples) {
        printf("bench: %s FAIL no samples\n", name);
        return;
    }
    qsort(samples, nsamples, sizeof(samples[0]), cmp);
    uint64_t median = samples[nsamples / 2], min = samples[0];
    printf("bench: %s median %llu min %llu count %zu\n", name, (unsigned long long)median,
           (unsigned long long)min, nsamples);
    printf("benchjson: {\"name\":\"%s\",\"median\":%llu,\"min\":%llu,\"count\":%zu,\"unit\":\"insns/op\","
           "\"note\":\"%s\"}\n",
           name, (unsigned long long)median, (unsigned long long)min, nsamples, note);
    fflush(stdout);
}

static void calibrate(void)
{
    uint64_t best = ~0ull;
    for (int i = 0; i < 64; ++i) {
        uint64_t t0 = rdtsc(), t1 = rdtsc();
        if (t1 - t0 < best)
            best = t1 - t0;
    }
    overhead = best;
}

static void bench_null(size_t count)
{
    reset();
    for (size_t i = 0; i < count; ++i) {
        uint64_t t0 = rdtsc();
        syscall(SYS_getppid);
        uint64_t t1 = rdtsc();
        add_timed(t0, t1);
    }
    report("null_syscall", "syscall(SYS_getppid)");
}

/* Safety net: a stalled ping-pong reports what it has when the stage's
 * deadline fires. */
static void pipe_deadline(int sig)
{
    (void)sig;
    report("pipe_round_trip", "PARTIAL: stopped at the deadline");
    _exit(0);
}

static void bench_pipe(size_t count)
{
    signal(SIGALRM, pipe_deadline);
    int to_child[2], to_parent[2];
    if (pipe(to_child) || pipe(to_parent)) {
        perror("pipe");
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return;
    }
    if (pid == 0) {
        close(to_child[1]); /* else the child never sees EOF */
        close(to_parent[0]);
        char c;
        while (read(to_child[0], &c, 1) == 1)
            if (write(to_parent[1], &c, 1) != 1)
                break;
        _exit(0);
    }
    char c = 'x';
    /* warm up: both processes touched their pages */
    for (int i = 0; i < 8; ++i)
        if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
            break;
    /* Timed in batches of 10 round trips: one rdtsc pair per batch. */
    reset();
    for (size_t i = 0; i < (count + 9) / 10; ++i) {
        uint64_t t0 = rdtsc();
        for (int j = 0; j < 10; ++j)
            if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
                break;
        uint64_t t1 = rdtsc();
        add((t1 - t0 - overhead) / 10);
    }
    close(to_child[1]);
    close(to_parent[1]);
    waitpid(pid, NULL, 0);
    close(to_child[0]);
    close(to_parent[0]);
    report("pipe_round_trip", "1 byte to another process over a pipe and back over a second one, timed in batches of 10");
}

static void bench_anon(size_t count)
{
    size_t pages = count < 64 ? 64 : count;
    volatile uint8_t* p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return;
    }
    madvise((void*)p, pages * PAGE, MADV_NOHUGEPAGE);
    reset();
    for (size_t i = 0; i < pages; ++i) {
        uint64_t t0 = rdtsc();
        p[i * PAGE + 8] = 1;
        uint64_t t1 = rdtsc();
        add_timed(t0, t1);
    }
    munmap((void*)p, pages * PAGE);
    report("anon_fault", "first write to a private anonymous page (MADV_NOHUGEPAGE)");
}

static int set_fault_around_one_page(void)
{
    mkdir("/sys", 0755);
    mkdir("/sys/kernel", 0755);
    mkdir("/sys/kernel/debug", 0755);
    mount("sysfs", "/sys", "sysfs", 0, NULL);
    mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
    int fd = open("/sys/kernel/debug/fault_around_bytes", O_WRONLY);
    if (fd < 0)
        return 0;
    int ok = write(fd, "4096", 4) == 4;
    close(fd);
    return ok;
}

static void bench_file(void)
{
    int one_page = set_fault_around_one_page();
    int fd = open("/bench.dat", O_RDONLY);
    if (fd < 0) {
        perror("open /bench.dat");
        return;
    }
    struct stat st;
    fstat(fd, &st);
    static char buffer[65536];
    while (read(fd, buffer, sizeof(buffer)) > 0) /* the page cache now holds it all */
        ;
    size_t size = (size_t)st.st_size & ~(size_t)(PAGE - 1);
    size_t stride = one_page ? PAGE : 16 * PAGE;
    reset();
    for (int pass = 0; pass < 2; ++pass) {
        volatile uint8_t* p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            perror("mmap file");
            return;
        }
        for (size_t off = 0; off < size; off += stride) {
            uint64_t t0 = rdtsc();
            (void)p[off + 64];
            uint64_t t1 = rdtsc();
            add_timed(t0, t1);
        }
        munmap((void*)p, size);
    }
    close(fd);
    report("file_fault_warm", one_page ? "read fault on a page-cache hit (initramfs file), fault_around_bytes=4096"
                                       : "read fault on a page-cache hit (initramfs file), every 16th page (fault-around 64 KiB)");
}

/* --- userfaultfd ---------------------------------------------------------- */

struct uffd_job {
    int uffd;
    int copy; /* 0: UFFDIO_ZEROPAGE, 1: UFFDIO_COPY */
    void* source;
    size_t faults;
};

static void* uffd_handler(void* arg)
{
    struct uffd_job* job = arg;
    for (;;) {
        struct pollfd pfd = { .fd = job->uffd, .events = POLLIN };
        if (poll(&pfd, 1, -1) < 0)
            break;
        struct uffd_msg msg;
        ssize_t n = read(job->uffd, &msg, sizeof(msg));
        if (n != sizeof(msg)) {
            if (n < 0 && errno == EAGAIN)
                continue;
            break;
        }
        if (msg.event != UFFD_EVENT_PAGEFAULT)
            continue;
        unsigned long page = msg.arg.pagefault.address & ~(unsigned long)(PAGE - 1);
        if (job->copy) {
            struct uffdio_copy c = { .dst = page, .src = (unsigned long)job->source, .len = PAGE, .mode = 0 };
            ioctl(job->uffd, UFFDIO_COPY, &c);
        } else {
            struct uffdio_zeropage z = { .range = { .start = page, .len = PAGE }, .mode = 0 };
            ioctl(job->uffd, UFFDIO_ZEROPAGE, &z);
        }
        job->faults++;
    }
    return NULL;
}

static void bench_uffd(size_t count, int copy)
{
    const char* name = copy ? "uffd_copy" : "uffd_zeropage";
    int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (uffd < 0) {
        printf("bench: %s FAIL userfaultfd: %s\n", name, strerror(errno));
        return;
    }
    struct uffdio_api api = { .api = UFFD_API, .features = 0 };
    if (ioctl(uffd, UFFDIO_API, &api)) {
        printf("bench: %s FAIL UFFDIO_API: %s\n", name, strerror(errno));
        close(uffd);
        return;
    }
    size_t pages = count < 64 ? 64 : count;
    uint8_t* region = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(region, pages * PAGE, MADV_NOHUGEPAGE);
    struct uffdio_register reg = { .range = { .start = (unsigned long)region, .len = pages * PAGE },
                                   .mode = UFFDIO_REGISTER_MODE_MISSING };
    if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
        printf("bench: %s FAIL UFFDIO_REGISTER: %s\n", name, strerror(errno));
        close(uffd);
        return;
    }
    static uint8_t source[PAGE] __attribute__((aligned(PAGE)));
    memset(source, 0x5a, sizeof(source));
    struct uffd_job job = { .uffd = uffd, .copy = copy, .source = source, .faults = 0 };
    pthread_t thread;
    pthread_create(&thread, NULL, uffd_handler, &job);
    reset();
    volatile uint8_t* p = region;
    for (size_t i = 0; i < pages; ++i) {
        uint64_t t0 = rdtsc();
        (void)p[i * PAGE + 8]; /* a read: ZEROPAGE maps the zero page, COPY a private copy */
        uint64_t t1 = rdtsc();
        add_timed(t0, t1);
    }
    pthread_cancel(thread);
    pthread_join(thread, NULL);
    munmap(region, pages * PAGE);
    close(uffd);
    report(name, copy ? "read fault resolved by a handler thread with UFFDIO_COPY"
                      : "read fault resolved by a handler thread with UFFDIO_ZEROPAGE");
}

static void bench_file_count(size_t count) { (void)count; bench_file(); }
static void bench_uffd_zero(size_t count) { bench_uffd(count, 0); }
static void bench_uffd_copy(size_t count) { bench_uffd(count, 1); }

static void run_stage(const char* name, void (*fn)(size_t), size_t count)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(5);
        fn(count);
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        printf("bench: %s FAIL killed by signal %d (deadline 5 virtual seconds)\n", name, WTERMSIG(status));
}

static size_t count_from_cmdline(void)
{
    size_t count = 200;
    FILE* f = fopen("/proc/cmdline", "r");
    if (!f)
        return count;
    char line[1024];
    if (fgets(line, sizeof(line), f)) {
        char* c = strstr(line, "bench.count=");
        if (c)
            count = strtoul(c + 12, NULL, 10);
    }
    fclose(f);
    return count ? count : 200;
}

int main(void)
{
    mkdir("/proc", 0755);
    mount("proc", "/proc", "proc", 0, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    size_t count = count_from_cmdline();
    if (count > MAX_SAMPLES / 2)
        count = MAX_SAMPLES / 2;
    calibrate();
    printf("bench: start count %zu rdtsc-overhead %llu\n", count, (unsigned long long)overhead);
    /* Each row runs in its own process with a deadline (virtual seconds:
     * under -icount shift=0 that is 1e9 guest instructions each), so one
     * that hangs costs its row only. */
    run_stage("null_syscall", bench_null, count);
    run_stage("anon_fault", bench_anon, count);
    run_stage("file_fault_warm", bench_file_count, count);
    run_stage("uffd_zeropage", bench_uffd_zero, count);
    run_stage("uffd_copy", bench_uffd_copy, count);
    run_stage("pipe_round_trip", bench_pipe, count);
    printf("bench: done\n");
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    for (;;)
        pause();
}
