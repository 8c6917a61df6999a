/*
 * The Rio buffered line reader of CS:APP (3rd ed., section 10.5), written
 * again from the book's description for benches/c-rio/run.sh: an 8 KiB
 * buffer refilled by read(2), rio_read copying out of it, and
 * rio_readlineb taking one byte at a time until '\n' or maxlen - 1 bytes.
 *
 * Usage: rio FILE   prints "lines bytes seconds" for one pass over FILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define RIO_BUFSIZE 8192
#define MAXLINE 8192

typedef struct {
    int rio_fd;
    ssize_t rio_cnt;
    char *rio_bufptr;
    char rio_buf[RIO_BUFSIZE];
} rio_t;

static void rio_readinitb(rio_t *rp, int fd)
{
    rp->rio_fd = fd;
    rp->rio_cnt = 0;
    rp->rio_bufptr = rp->rio_buf;
}

/* Copies up to n bytes out of the buffer, refilling it when empty. */
static ssize_t rio_read(rio_t *rp, char *usrbuf, size_t n)
{
    while (rp->rio_cnt <= 0) {
        rp->rio_cnt = read(rp->rio_fd, rp->rio_buf, sizeof(rp->rio_buf));
        if (rp->rio_cnt < 0) {
            if (errno != EINTR)
                return -1;
        } else if (rp->rio_cnt == 0) {
            return 0;
        } else {
            rp->rio_bufptr = rp->rio_buf;
        }
    }
    size_t cnt = n;
    if ((size_t)rp->rio_cnt < n)
        cnt = rp->rio_cnt;
    memcpy(usrbuf, rp->rio_bufptr, cnt);
    rp->rio_bufptr += cnt;
    rp->rio_cnt -= cnt;
    return cnt;
}

/* One rio_read call per byte, as in the book. */
static ssize_t rio_readlineb(rio_t *rp, void *usrbuf, size_t maxlen)
{
    size_t n;
    char c, *bufp = usrbuf;
    for (n = 1; n < maxlen; n++) {
        ssize_t rc = rio_read(rp, &c, 1);
        if (rc == 1) {
            *bufp++ = c;
            if (c == '\n') {
                n++;
                break;
            }
        } else if (rc == 0) {
            if (n == 1)
                return 0;
            break;
        } else {
            return -1;
        }
    }
    *bufp = 0;
    return n - 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    static rio_t rio;
    static char line[MAXLINE];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rio_readinitb(&rio, fd);
    unsigned long lines = 0, bytes = 0;
    ssize_t n;
    while ((n = rio_readlineb(&rio, line, MAXLINE)) > 0) {
        lines++;
        bytes += n;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (n < 0) {
        perror("read");
        return 1;
    }
    double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%lu %lu %.6f\n", lines, bytes, secs);
    close(fd);
    return 0;
}
