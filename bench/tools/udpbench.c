// UDP round trips per second, for bench/tools/udp.sh.
//   udpbench server PORT                          echo on 127.0.0.1:PORT (recvmmsg/sendmmsg, 64 at a time)
//   udpbench client IP PORT SIZE WINDOW SECONDS   keep WINDOW datagrams of SIZE bytes in flight on one
//                                                 connected socket; print replies/s after a 0.5 s warm-up
// A window lost (nothing back for 50 ms) is sent again, so loss shows as a lower rate, not a hang.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <poll.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
int main(int c,char**v){
  if(!strcmp(v[1],"server")){
    int s=socket(AF_INET,SOCK_DGRAM,0);struct sockaddr_in a={.sin_family=AF_INET,.sin_port=htons(atoi(v[2]))};inet_pton(AF_INET,"127.0.0.1",&a.sin_addr);
    int big=8<<20; setsockopt(s,SOL_SOCKET,SO_RCVBUFFORCE,&big,4);
    if(bind(s,(void*)&a,sizeof a)){perror("bind");return 1;}
    enum{N=64}; static char buf[N][2048]; struct mmsghdr m[N]; struct iovec io[N]; struct sockaddr_in from[N];
    for(;;){for(int i=0;i<N;i++){io[i].iov_base=buf[i];io[i].iov_len=2048;memset(&m[i],0,sizeof m[i]);m[i].msg_hdr.msg_iov=&io[i];m[i].msg_hdr.msg_iovlen=1;m[i].msg_hdr.msg_name=&from[i];m[i].msg_hdr.msg_namelen=sizeof from[i];}
      int n=recvmmsg(s,m,N,MSG_WAITFORONE,0); if(n<=0)continue;
      for(int i=0;i<n;i++){io[i].iov_len=m[i].msg_len;}
      sendmmsg(s,m,n,0);}
  }
  // client IP PORT SIZE WINDOW SECONDS
  int s=socket(AF_INET,SOCK_DGRAM,0);struct sockaddr_in a={.sin_family=AF_INET,.sin_port=htons(atoi(v[3]))};inet_pton(AF_INET,v[2],&a.sin_addr);
  int big=8<<20; setsockopt(s,SOL_SOCKET,SO_RCVBUFFORCE,&big,4);
  connect(s,(void*)&a,sizeof a);
  int size=atoi(v[4]),win=atoi(v[5]);double secs=atof(v[6]);
  char out[2048]={0},in[2048];long got=0,sent=0;int outstanding=0;
  double start=now(),end=start+secs, warm=start+0.5; long gotAtWarm=0;
  while(now()<end){
    while(outstanding<win){send(s,out,size,0);outstanding++;sent++;}
    struct pollfd p={s,POLLIN,0}; if(poll(&p,1,50)<=0){outstanding=0;continue;}
    while(recv(s,in,sizeof in,MSG_DONTWAIT)>0){got++;outstanding--; if(now()>=warm&&!gotAtWarm)gotAtWarm=got;}
  }
  double dur=secs-0.5; printf("%.0f\n",(got-gotAtWarm)/dur); fprintf(stderr,"sent %ld got %ld\n",sent,got);
  return 0;
}
